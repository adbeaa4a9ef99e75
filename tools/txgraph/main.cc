// txgraph: the command-line tool. Exit status 0 on success, 1 on a runtime error (printed as
// "txgraph: error: <message>"), 2 on bad usage.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/txgraph/commands.h"

namespace {

constexpr int kRuntimeError = 1;
constexpr int kUsageError = 2;

// CLI11's message, then where to read more: the selected verb's --help, or the tool's.
std::string usage_failure(const CLI::App* app, const CLI::Error& e) {
  auto selected = app->get_subcommands();
  std::string help =
      selected.empty() ? "txgraph --help" : fmt::format("txgraph {} --help", selected.front()->get_name());
  return fmt::format("txgraph: {}\nRun '{}' for more information.\n", e.what(), help);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace txgraph::cli;
  CLI::App app{"txgraph: an embedded graph store whose transaction log is a change-data-capture source."};
  app.name("txgraph");
  app.require_subcommand(1);
  app.failure_message(usage_failure);
  app.footer("Run 'txgraph VERB --help' for a verb's arguments. New here? Try 'txgraph demo'.");
  std::vector<Verb> verbs = {add_init_verb(app),   add_run_verb(app),        add_set_verb(app),
                             add_show_verb(app),   add_export_verb(app),     add_checkpoint_verb(app),
                             add_cdc_verb(app),    add_import_verb(app),     add_demo_verb(app),
                             add_log_verb(app),   add_replicate_verb(app),  add_kafka_verb(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsageError;
  }
  try {
    for (const Verb& verb : verbs)
      if (verb.command->parsed()) verb.run();
  } catch (const std::exception& e) {
    std::cout.flush();
    fmt::print(stderr, "txgraph: error: {}\n", e.what());
    return kRuntimeError;
  }
  // Output that never arrived (a full disk, a closed pipe) is a failure a script must see.
  if (!std::cout.flush()) {
    fmt::print(stderr, "txgraph: error: writing to standard output failed\n");
    return kRuntimeError;
  }
  return 0;
}
