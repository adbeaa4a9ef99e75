// The benchmarks' command lines, read with CLI11 as the txgraph tool reads its own: every
// program has --help, and a bad value or an unknown flag exits 2 with a message naming it.
#pragma once

#include <cstdlib>

#include <CLI/CLI.hpp>

namespace txgraph::bench {

inline void parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    std::exit(code == 0 ? 0 : 2);
  }
}

}  // namespace txgraph::bench
