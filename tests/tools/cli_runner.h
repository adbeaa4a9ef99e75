// Runs the built `txgraph` binary (TXGRAPH_CLI) as a child process, the way scripts drive it:
// arguments, standard input, exit status, standard output and standard error.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_dir.h"

namespace txgraph::testing {

struct CliResult {
  int exit_code = -1;  // 128 + signal number if the tool died of a signal
  std::string out;
  std::string err;
};

inline std::string read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Standard input comes from a file and the outputs go to files, so no pipe can fill up and
// block either side. `cwd` empty: the test's own working directory.
inline CliResult run_cli(const std::vector<std::string>& args, const std::string& input = "",
                         const std::filesystem::path& cwd = {}) {
  TestDir io;
  const auto in_path = io / "stdin";
  const auto out_path = io / "stdout";
  const auto err_path = io / "stderr";
  std::ofstream(in_path, std::ios::binary) << input;

  std::vector<std::string> argv_storage = {TXGRAPH_CLI};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    int in_fd = ::open(in_path.c_str(), O_RDONLY);
    int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(126);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  CliResult result;
  if (pid < 0) return result;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_whole_file(out_path);
  result.err = read_whole_file(err_path);
  return result;
}

// `txgraph ARGS...` started in the background, its output going to files, for verbs that run
// until they are stopped.
class BackgroundCli {
 public:
  explicit BackgroundCli(const std::vector<std::string>& args) {
    std::vector<std::string> argv_storage = {TXGRAPH_CLI};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      int out_fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err_fd = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (out_fd < 0 || err_fd < 0) ::_exit(126);
      ::dup2(out_fd, 1);
      ::dup2(err_fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~BackgroundCli() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::string out() const { return read_whole_file(out_path_); }
  std::string err() const { return read_whole_file(err_path_); }
  // Waits until standard output holds `text`; false after `timeout`.
  bool wait_for_output(const std::string& text, std::chrono::seconds timeout = std::chrono::seconds(60)) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (out().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // Sends `signal` and goes on (SIGSTOP and SIGCONT make the tool lag behind a writer).
  void send(int signal) const { ::kill(pid_, signal); }
  // Sends `signal` and returns the exit status (128 + signal if it died of one).
  int stop(int signal) {
    ::kill(pid_, signal);
    return wait();
  }
  // Waits for the tool to exit by itself; returns its exit status as stop() does.
  int wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
    }
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  TestDir io_;
  std::filesystem::path out_path_ = io_ / "stdout";
  std::filesystem::path err_path_ = io_ / "stderr";
  pid_t pid_ = -1;
  bool reaped_ = false;
};

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + '\n';
  return text;
}

// What `txgraph export` printed, split into nodes and relationships by element id.
struct Exported {
  std::map<std::string, nlohmann::json> nodes;
  std::map<std::string, nlohmann::json> relationships;

  // The one node whose properties include `name` = `value`; fails the test otherwise.
  const nlohmann::json* node_with(const std::string& name, const nlohmann::json& value) const {
    const nlohmann::json* found = nullptr;
    for (const auto& [id, node] : nodes)
      if (node["properties"].contains(name) && node["properties"][name] == value) {
        if (found != nullptr) return nullptr;
        found = &node;
      }
    return found;
  }
};

inline Exported parse_export(const std::string& out) {
  Exported exported;
  for (const std::string& line : split_lines(out)) {
    nlohmann::json json = nlohmann::json::parse(line);
    std::string id = json.at("elementId");
    if (json.contains("labels"))
      exported.nodes[id] = json;
    else
      exported.relationships[id] = json;
  }
  return exported;
}

}  // namespace txgraph::testing
