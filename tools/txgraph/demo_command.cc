// txgraph demo: a guided walk through the verbs on a fresh folder. Every step calls the same
// function as the verb it shows, and prints the command line that would do it by hand.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"

namespace txgraph::cli {

namespace {

const std::vector<std::string> kCreateLines = {
    R"({"create_key":{"label":"Person","properties":["id"]}})",
    R"({"user":"alice","metadata":{"app":"demo"},"ops":[)"
    R"({"op":"create_node","as":"ann","labels":["Person"],"properties":{"id":1,"name":"Ann"}},)"
    R"({"op":"create_node","as":"bob","labels":["Person"],"properties":{"id":2,"name":"Bob"}},)"
    R"({"op":"create_relationship","type":"KNOWS","start":"$ann","end":"$bob","properties":{"since":2020}}]})",
};

const std::vector<std::string> kChangeLines = {
    R"({"user":"alice","ops":[)"
    R"({"op":"set_properties","node":{"label":"Person","key":{"id":1}},"properties":{"age":31}},)"
    R"({"op":"add_labels","node":{"label":"Person","key":{"id":1}},"labels":["Admin"]}]})",
    R"({"user":"bob","ops":[)"
    R"({"op":"create_node","labels":["Person"],"properties":{"id":3,"name":"Cid","tags":["new","demo"]}},)"
    R"({"op":"delete_node","node":{"label":"Person","key":{"id":2}},"detach":true}]})",
};

// A second Person with id 1 breaks the key: the line fails and changes nothing.
const std::vector<std::string> kFailingLines = {
    R"({"user":"alice","ops":[)"
    R"({"op":"create_node","labels":["Person"],"properties":{"id":4,"name":"Dee"}},)"
    R"({"op":"create_node","labels":["Person"],"properties":{"id":1,"name":"Ann again"}}]})",
};

std::string make_demo_folder() {
  std::string name = "txgraph-demo-XXXXXX";
  if (::mkdtemp(name.data()) == nullptr)
    throw std::runtime_error(
        fmt::format("cannot create a demo folder in the current directory: {}", std::strerror(errno)));
  return name;
}

void heading(std::ostream& out, std::string_view title) { out << fmt::format("\n== {} ==\n", title); }

void command(std::ostream& out, std::string_view line) { out << "$ " << line << '\n' << std::flush; }

void run_step(const std::string& dir, const std::vector<std::string>& lines, std::ostream& out) {
  std::string input;
  for (const std::string& line : lines) input += line + '\n';
  command(out, fmt::format("txgraph run {} <<'EOF'\n{}EOF", dir, input));
  std::istringstream in(input);
  run_transactions(dir, in, out);
}

void run_demo(std::string dir, std::ostream& out) {
  if (dir.empty()) dir = make_demo_folder();
  out << fmt::format(
      "A walk through the txgraph tool, in the folder {}.\n"
      "Each step shows the command that does the same on its own; `txgraph VERB --help` says more.\n",
      dir);

  heading(out, "1. Create a database that captures changes");
  out << "With enrichment DIFF every transaction's log record also says what it changed, so the\n"
         "log can be read back as a stream of change events (change data capture).\n";
  command(out, fmt::format("txgraph init {} --enrichment diff", dir));
  Settings settings;
  settings.enrichment = EnrichmentMode::kDiff;
  init_database(dir, settings, out);

  heading(out, "2. Add a key and some data");
  out << "`run` reads one transaction per JSON line and prints each tx id once it is durable.\n"
         "The first line makes `id` a key of Person nodes, so later lines can name a node by it;\n"
         "the second creates two people and a KNOWS relationship between them (\"$ann\" names\n"
         "the node made by the op with \"as\":\"ann\" on the same line).\n";
  run_step(dir, kCreateLines, out);

  heading(out, "3. Update and delete");
  out << "Ann gets an age and the Admin label; Cid joins and Bob is deleted. \"detach\":true\n"
         "deletes Bob's KNOWS relationship with him; without it the delete would be refused.\n";
  run_step(dir, kChangeLines, out);

  heading(out, "4. A line that fails changes nothing");
  out << "This line creates Dee, then a second Person with id 1, which breaks the key. The whole\n"
         "line is rolled back (Dee too), the error names the line, and `run` stops there.\n";
  try {
    run_step(dir, kFailingLines, out);
  } catch (const std::exception& e) {
    out << fmt::format("txgraph: error: {}\n", e.what());
  }

  heading(out, "5. Read the changes");
  out << "`cdc earliest` gives the position just before the oldest change still in the log;\n"
         "`cdc query --from` prints every change after a position, one JSON event per line, in\n"
         "commit order. Each event's \"id\" is itself a position to continue from.\n";
  command(out, fmt::format("txgraph cdc earliest {}", dir));
  std::ostringstream earliest;
  print_cdc_position(dir, true, earliest);
  out << earliest.str();
  CdcQueryArgs all;
  all.from = earliest.str().substr(0, earliest.str().find('\n'));
  command(out, fmt::format("txgraph cdc query {} --from {}", dir, all.from));
  query_changes(dir, all, out, out);

  heading(out, "6. Only the changes you ask for");
  out << "Selectors, as in Neo4j: here only updates of Person nodes, and of their states only `age`.\n";
  CdcQueryArgs updates = all;
  updates.selectors = {R"({"select":"n","labels":["Person"],"operation":"u","includeProperties":["age"]})"};
  command(out, fmt::format("txgraph cdc query {} --from {} --selector '{}'", dir, all.from, updates.selectors[0]));
  query_changes(dir, updates, out, out);

  heading(out, "7. FULL mode: the whole entity before and after");
  out << "Switching to FULL takes effect at once, and positions taken before stay valid.\n";
  command(out, fmt::format("txgraph set {} enrichment full", dir));
  set_setting(dir, "enrichment", "full", out);
  std::ostringstream before_update;
  print_cdc_position(dir, false, before_update);
  run_step(dir, {R"({"user":"alice","ops":[{"op":"set_properties","node":{"label":"Person","key":{"id":1}},"properties":{"age":32}}]})"}, out);
  CdcQueryArgs full;
  full.from = before_update.str().substr(0, before_update.str().find('\n'));
  command(out, fmt::format("txgraph cdc query {} --from {}", dir, full.from));
  query_changes(dir, full, out, out);
  out << "To follow new changes as they commit, add --follow (Ctrl-C stops it).\n";

  heading(out, "8. Look at the database");
  command(out, fmt::format("txgraph show {}", dir));
  show_database(dir, false, out);

  heading(out, "9. Export the graph");
  out << "Ann (age 32, Admin) and Cid remain; Bob and the KNOWS relationship are gone, Dee never was.\n";
  command(out, fmt::format("txgraph export {}", dir));
  export_graph(dir, out);

  heading(out, "10. Checkpoint");
  out << "A checkpoint syncs the store, so recovery after a crash replays only the log after it.\n"
         "It prints the tx id it covers.\n";
  command(out, fmt::format("txgraph checkpoint {}", dir));
  checkpoint_database(dir, out);

  heading(out, "Next");
  out << fmt::format(
      "Write your own lines for `txgraph run {0}` (see `txgraph run --help`), or `txgraph show {0} --json`.\n"
      "When you are done: rm -r {0}\n",
      dir);
  out.flush();
}

}  // namespace

Verb add_demo_verb(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("demo", "Walk through the tool on a fresh database, step by step");
  cmd->footer(
      "Without DIR the demo makes a new folder txgraph-demo-XXXXXX in the current directory and\n"
      "leaves it there to look at. A DIR that already holds a database is refused.");
  cmd->add_option("DIR", *dir, "Folder for the demo database");
  return {cmd, [dir] { run_demo(*dir, std::cout); }};
}

}  // namespace txgraph::cli
