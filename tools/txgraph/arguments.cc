// Checks of command-line values that CLI11 alone lets through or words badly.
#include <charconv>
#include <cstdint>
#include <exception>
#include <limits>
#include <map>
#include <string>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"

namespace txgraph::cli {

CLI::Validator folder_name() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        // To the file system "" is the current folder: a slip in a script would put a database
        // wherever the script happens to run.
        if (text.empty()) return "the folder name is empty; write . for the current folder";
        return {};
      },
      "", "FOLDER");
}

CLI::Option* add_values_option(CLI::App* cmd, ValueForm& form) {
  static const std::map<std::string, ValueForm> kForms{{"neo4j", ValueForm::kNeo4j}, {"typed", ValueForm::kTyped}};
  return cmd
      ->add_option("--values", form,
                   "How temporal and spatial values are written: neo4j (ISO-8601 strings, points and "
                   "durations as Neo4j's Kafka connector writes them) or typed ({\"$date\": …}, read back exactly)")
      ->transform(CLI::CheckedTransformer(kForms))
      ->default_str("neo4j");
}

CLI::Validator whole_number(std::uint64_t least) {
  return CLI::Validator(
      [least](std::string& text) -> std::string {
        // CLI11 reads "-1" into an unsigned as 2^64-1; from_chars takes no sign for one.
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        auto [stop, ec] = std::from_chars(text.data(), end, value);
        if (ec == std::errc::result_out_of_range)
          return fmt::format("'{}' is larger than {}", text, std::numeric_limits<std::uint64_t>::max());
        if (text.empty() || ec != std::errc() || stop != end || value < least)
          return fmt::format("'{}' is not a whole number of {} or more", text, least);
        return {};
      },
      "", least == 0 ? "NONNEGATIVE" : "POSITIVE");
}

CLI::Validator parses_as(std::function<void(std::string_view)> parse, const char* name) {
  return CLI::Validator(
      [parse = std::move(parse)](std::string& text) -> std::string {
        try {
          parse(text);
          return {};
        } catch (const std::exception& e) {
          return e.what();
        }
      },
      "", name);
}

}  // namespace txgraph::cli
