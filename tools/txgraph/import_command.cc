// txgraph import: CSV files in Neo4j's admin-import format, straight into the store.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"

namespace txgraph::cli {

namespace {

char single_char(const std::string& text, std::string_view option) {
  if (text == "\\t" || text == "TAB") return '\t';
  if (text.size() != 1) throw std::invalid_argument(fmt::format("{} takes one character, not \"{}\"", option, text));
  return text[0];
}

}  // namespace

ImportNotice import_files(const std::filesystem::path& dir, const ImportArgs& args, std::ostream& out) {
  ImportOptions options;
  for (const auto& f : args.node_files) options.node_files.emplace_back(f);
  for (const auto& f : args.relationship_files) options.relationship_files.emplace_back(f);
  options.delimiter = single_char(args.delimiter, "--delimiter");
  options.array_delimiter = single_char(args.array_delimiter, "--array-delimiter");
  options.id_type = args.id_type == "integer" ? ImportOptions::IdType::kInteger : ImportOptions::IdType::kString;
  auto started = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  // A progress line only for a person watching a terminal; scripts get the summary alone.
  bool show_progress = args.progress && ::isatty(STDERR_FILENO);
  if (show_progress) {
    options.on_progress = [&](const ImportProgress& p) {
      double s = seconds();
      double percent = p.total_bytes ? 100.0 * static_cast<double>(p.bytes_read) / static_cast<double>(p.total_bytes) : 0;
      std::cerr << fmt::format("\rimporting: {} rows, {:.0f} rows/s, {:.0f}%   ", p.rows,
                               s > 0 ? static_cast<double>(p.rows) / s : 0.0, percent)
                << std::flush;
    };
  }
  auto db = open_existing(dir);
  ImportNotice notice;
  try {
    notice = db->import_csv(options);
  } catch (...) {
    if (show_progress) std::cerr << '\n';
    throw;
  }
  if (show_progress) std::cerr << '\n';
  double s = seconds();
  out << fmt::format(
      "imported {} nodes and {} relationships in {:.2f} s ({:.0f} rows/s) as import {}\n"
      "not in the log: change data capture will not return them; the log holds an import notice instead\n",
      notice.nodes, notice.relationships, s,
      s > 0 ? static_cast<double>(notice.nodes + notice.relationships) / s : 0.0, notice.import_number);
  out.flush();
  db->close();
  return notice;
}

Verb add_import_verb(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand("import", "Bulk-import CSV files straight into the store, bypassing the log");
  cmd->add_option("DIR", *dir, "Folder of the database")->check(folder_name())->required();
  cmd->add_option("--nodes", args->node_files, "A nodes CSV file; repeat for several")
      ->required()
      ->check(CLI::ExistingFile)
      ->take_all();
  cmd->add_option("--relationships", args->relationship_files, "A relationships CSV file; repeat for several")
      ->check(CLI::ExistingFile)
      ->take_all();
  cmd->add_option("--delimiter", args->delimiter, "Field delimiter (default ,; \\t or TAB for tabs)");
  cmd->add_option("--array-delimiter", args->array_delimiter, "Delimiter of list items and labels (default ;)");
  cmd->add_option("--id-type", args->id_type, "How a named id column (id:ID) is stored as a property")
      ->check(CLI::IsMember({"string", "integer"}));
  cmd->add_flag("!--no-progress", args->progress, "No progress line, even on a terminal");
  cmd->footer(
      "Neo4j admin-import CSV. The first row is a header:\n"
      "  nodes:          id:ID(Person),name,age:int,tags:string[],:LABEL\n"
      "  relationships:  :START_ID(Person),:END_ID(Person),:TYPE,since:int\n"
      "Types: int long short byte float double boolean string, each also as a list with [];\n"
      "labels and list items are separated by ';'. Ids connect the rows of this import only.\n"
      "All or nothing: bad input (named by file, line and column) leaves the database as it was.\n"
      "The data is NOT written to the log, so `txgraph cdc query` never returns it; the log gets\n"
      "an import notice, and `txgraph show` lists every import.");
  return {cmd, [dir, args] { import_files(*dir, *args, std::cout); }};
}

}  // namespace txgraph::cli
