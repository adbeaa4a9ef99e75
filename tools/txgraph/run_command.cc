// txgraph run: apply transactions, one JSON line each, and report each tx id as it commits.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"
#include "tools/txgraph/transaction_line.h"

namespace txgraph::cli {

namespace {

constexpr const char* kRunHelp =
    R"(Input: one transaction per line; blank lines are skipped. A transaction line:

  {"user":"alice","metadata":{"app":"crm"},"ops":[
    {"op":"create_node","as":"a","labels":["Person"],"properties":{"id":1,"name":"Ann"}},
    {"op":"create_relationship","as":"r","type":"KNOWS","start":"$a","end":{"elementId":"n:2"}},
    {"op":"set_properties","node":{"label":"Person","key":{"id":1}},"properties":{"age":31}},
    {"op":"remove_properties","node":"$a","keys":["age"]},
    {"op":"add_labels","node":"$a","labels":["Admin"]},
    {"op":"remove_labels","node":"$a","labels":["Admin"]},
    {"op":"set_properties","relationship":"$r","properties":{"weight":0.5}},
    {"op":"remove_properties","relationship":"$r","keys":["weight"]},
    {"op":"delete_relationship","relationship":"$r"},
    {"op":"delete_node","node":"$a","detach":true}]}

(shown on several lines here; in the input it is one line). A node is named by "$var" (an
"as" earlier on the same line), {"elementId":"n:42"} or {"label":"Person","key":{"id":1}}
(through a key constraint); a relationship by "$var" or {"elementId":"r:7"}. delete_node
without "detach":true refuses a node that still has relationships.

A schema line adds a key constraint (existing data must already satisfy it) or drops one
(named by the same fields, properties in any order):
  {"create_key":{"label":"Person","properties":["id"]}}
  {"create_key":{"type":"KNOWS","properties":["since"]}}
  {"drop_key":{"label":"Person","properties":["id"]}}

Property values: null, true/false, integers (64-bit), floats, strings, {"$bytes":"<base64>"},
and arrays of one of those kinds. Setting a property to null removes it.

Output: each tx id on its own line, flushed as soon as the transaction is durable (0 for a
line that changed nothing). A line that fails (bad JSON, unknown op or field, unknown
reference, constraint violation, ...) is rolled back whole, reported as
"txgraph: error: line N: ...", and the tool stops with exit status 1; the lines before it
stay committed.)";

bool is_blank(const std::string& line) { return line.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

void run_transactions(const std::filesystem::path& dir, std::istream& in, std::ostream& out) {
  auto db = open_existing(dir);
  std::string line;
  for (std::uint64_t number = 1; std::getline(in, line); ++number) {
    if (is_blank(line)) continue;
    std::uint64_t tx = 0;
    try {
      tx = apply_transaction_line(*db, line);
    } catch (const Error& e) {
      throw Error(e.code(), fmt::format("line {}: {}", number, e.what()));
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("line {}: {}", number, e.what()));
    }
    // Flushed at once: a script reading our output may act on the id while we continue.
    out << tx << '\n' << std::flush;
  }
  if (in.bad()) throw std::runtime_error(fmt::format("reading the input failed: {}", std::strerror(errno)));
  db->close();
}

Verb add_run_verb(CLI::App& app) {
  struct Args {
    std::string dir;
    std::string file = "-";
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("run", "Apply transactions (JSON lines) from FILE or standard input");
  cmd->footer(kRunHelp);
  cmd->add_option("DIR", args->dir, "Folder of the database")->check(folder_name())->required();
  cmd->add_option("FILE", args->file,
                  "Transactions, one JSON object per line; - or nothing reads standard input");
  return {cmd, [args] {
            if (args->file == "-") return run_transactions(args->dir, std::cin, std::cout);
            std::ifstream in(args->file);
            if (!in)
              throw std::runtime_error(fmt::format("cannot read {}: {}", args->file, std::strerror(errno)));
            run_transactions(args->dir, in, std::cout);
          }};
}

}  // namespace txgraph::cli
