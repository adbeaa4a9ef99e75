// A test with a fresh database made by `txgraph init`, and short ways to drive it.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_runner.h"

namespace txgraph::testing {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CliResult init = run_cli({"init", db_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  // `txgraph run DB` with `lines` on standard input.
  CliResult run(const std::vector<std::string>& lines) { return run_cli({"run", db_}, join_lines(lines)); }

  // Runs lines that must all commit; returns the tx ids printed.
  std::vector<std::uint64_t> run_ok(const std::vector<std::string>& lines) {
    CliResult result = run(lines);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    std::vector<std::uint64_t> ids;
    for (const std::string& line : split_lines(result.out)) ids.push_back(std::stoull(line));
    return ids;
  }

  Exported export_db() {
    CliResult result = run_cli({"export", db_});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return parse_export(result.out);
  }

  TestDir dir_;
  std::string db_ = (dir_ / "db").string();
};

}  // namespace txgraph::testing
