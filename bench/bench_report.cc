// bench_report: the last step of bench/run_suite.sh. Checks that every output of the run
// exists and parses, and writes run.json, the whole run in one file.
//
//   bench_report [--quick] DIR
//
// Reads DIR/suite.csv (program, seconds, JSON file, one line per benchmark that ran) and
// checks:
//   - each program's JSON file parses, and peers.json and retention.json hold their figures
//     (every commit, latency and import row with positive rates; no retention violation);
//   - every CSV file in DIR has a header and at least one row, each row as many fields as it;
//   - every image a markdown summary in DIR links to is a PNG file (when gnuplot is installed;
//     without it the benchmarks write no plots).
// Then writes DIR/run.json: {"format", "quick", "time_utc", "suite": [{program, seconds}],
// "results": {program: its JSON}}. Exits 1 naming the first output that fails.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/bench_args.h"
#include "bench/bench_support.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{} is missing", file.filename().string()));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Fields of one CSV line; a quoted field may hold commas (never quotes: ours hold none).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

void check_csv(const fs::path& file) {
  std::istringstream in(read_file(file));
  std::string line;
  if (!std::getline(in, line) || line.empty()) throw std::runtime_error(fmt::format("{}: no header", file.filename().string()));
  std::size_t columns = csv_fields(line).size(), rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    if (csv_fields(line).size() != columns)
      throw std::runtime_error(fmt::format("{}: row {} has {} fields, the header {}", file.filename().string(), rows,
                                           csv_fields(line).size(), columns));
  }
  if (rows == 0) throw std::runtime_error(fmt::format("{}: no rows", file.filename().string()));
}

void check_png(const fs::path& file) {
  std::string bytes = read_file(file);
  if (bytes.size() < 8 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0)
    throw std::runtime_error(fmt::format("{} is not a PNG image", file.filename().string()));
}

void require_positive(const json& rows, const char* what, const char* field) {
  if (!rows.is_array() || rows.empty()) throw std::runtime_error(fmt::format("peers.json: no {} rows", what));
  for (const auto& r : rows)
    if (!(r.at(field).get<double>() > 0))
      throw std::runtime_error(fmt::format("peers.json: {} of {} is {}", field, r.at("system").get<std::string>(),
                                           r.at(field).dump()));
}

void check_figures(const std::string& program, const json& j) {
  if (program == "peers_bench") {
    require_positive(j.at("commits"), "commit", "commits_per_s");
    require_positive(j.at("follow"), "commit-to-consumer", "samples");
    require_positive(j.at("import"), "import", "rows_per_s");
    for (const char* field : {"fdatasync_per_s", "write_mb_per_s", "zstd_mb_per_s", "xxh3_mb_per_s"})
      if (!(j.at("machine").at(field).get<double>() > 0))
        throw std::runtime_error(fmt::format("peers.json: machine {} missing", field));
  } else if (program == "retention_bench") {
    if (j.at("policies").empty()) throw std::runtime_error("retention.json: no policies");
    for (const auto& p : j.at("policies"))
      if (p.at("violations").get<int>() != 0)
        throw std::runtime_error(fmt::format("retention.json: policy {} passed its bound", p.at("policy").dump()));
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  fs::path dir;
  CLI::App app{"Checks that every benchmark's output exists and parses, and writes run.json from them"};
  app.add_flag("--quick", quick, "The outputs are from a quick run");
  app.add_option("DIR", dir, "The folder the suite wrote")->required();
  txgraph::bench::parse_command_line(app, argc, argv);
  try {
    json run = {{"format", 1}, {"quick", quick}, {"time_utc", txgraph::bench::utc_now()}, {"suite", json::array()},
                {"results", json::object()}};
    std::istringstream suite(read_file(dir / "suite.csv"));
    std::string line;
    std::getline(suite, line);  // the header
    double total = 0;
    while (std::getline(suite, line)) {
      auto fields = csv_fields(line);
      if (fields.size() != 3) throw std::runtime_error(fmt::format("suite.csv: bad line {}", line));
      const std::string& program = fields[0];
      double seconds = std::stod(fields[1]);
      total += seconds;
      json result;
      try {
        result = json::parse(read_file(dir / fields[2]));
      } catch (const json::exception& e) {
        throw std::runtime_error(fmt::format("{} does not parse: {}", fields[2], e.what()));
      }
      check_figures(program, result);
      run["suite"].push_back({{"program", program}, {"seconds", seconds}, {"json", fields[2]}});
      run["results"][program] = result;
    }
    if (run["suite"].empty()) throw std::runtime_error("suite.csv lists no benchmark");
    run["seconds"] = total;

    std::size_t csvs = 0, plots = 0;
    bool gnuplot = std::system("command -v gnuplot >/dev/null 2>&1") == 0;
    const std::regex image(R"(!\[[^\]]*\]\(([^)]+\.png)\))");
    for (const auto& entry : fs::directory_iterator(dir)) {
      auto name = entry.path().filename().string();
      if (entry.path().extension() == ".csv") {
        check_csv(entry.path());
        ++csvs;
      } else if (entry.path().extension() == ".md" && gnuplot) {
        std::string md = read_file(entry.path());
        for (std::sregex_iterator m(md.begin(), md.end(), image), end; m != end; ++m) {
          check_png(dir / (*m)[1].str());
          ++plots;
        }
      }
    }
    txgraph::bench::write_results((dir / "run.json").string(), run.dump(1) + "\n");
    std::printf("bench_report: %zu benchmarks in %.1f s, %zu CSV files, %zu plots: all parse; run.json written\n",
                run["suite"].size(), total, csvs, plots);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_report: %s\n", e.what());
    return 1;
  }
  return 0;
}
