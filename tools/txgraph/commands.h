// tools/txgraph/commands.h — the verbs of the `txgraph` tool.
//
// Each verb has an add_*_verb() that declares its CLI11 subcommand (arguments, --help text)
// and a plain function that does the work, which `txgraph demo` calls too so that the demo
// runs exactly what the verbs run. The functions throw on failure (txgraph::Error from the
// store, std::exception from the tool); main() prints "txgraph: error: <message>" and exits 1.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "txgraph/cdc.h"
#include "txgraph/database.h"

namespace txgraph::cli {

// A verb: its subcommand, and what to run once the command line parsed and selected it.
struct Verb {
  CLI::App* command = nullptr;
  std::function<void()> run;
};

// Checks for CLI11 options, so that a value the verb cannot mean is a usage error (exit status
// 2) whose message names the option and the value:
// a folder argument (DIR), which must not be empty;
CLI::Validator folder_name();
// a count or an id, written in decimal digits alone, at least `least`, and within 64 bits;
CLI::Validator whole_number(std::uint64_t least);
// a value one of the library's or the tool's parsers reads, refused with the parser's message.
CLI::Validator parses_as(std::function<void(std::string_view)> parse, const char* name);
// --values neo4j|typed: how change events write temporal and spatial values (ValueForm).
CLI::Option* add_values_option(CLI::App* cmd, ValueForm& form);

// Opens the database in `dir` without creating one: a folder with no database is
// Error(kNotFound) saying so and naming `dir`.
std::unique_ptr<Database> open_existing(const std::filesystem::path& dir);
// A replica's database: the one in `dir`, or a new one, said on `err` ("created the replica
// database DIR"). For `replicate` and `kafka replicate`.
std::unique_ptr<Database> open_or_create_replica(const std::filesystem::path& dir, std::ostream& err);
// The same for a verb that only reads (Options::read_only): a database closed cleanly is read
// without changing any of its files. One that was not is recovered first (which writes), and
// a line on `err` says so.
std::unique_ptr<Database> open_for_reading(const std::filesystem::path& dir, std::ostream& err);

// txgraph init DIR [...]: creates a database with `settings`; refuses a DIR that holds one.
Verb add_init_verb(CLI::App& app);
void init_database(const std::filesystem::path& dir, const Settings& settings, std::ostream& out);

// txgraph set DIR KEY VALUE: Database::set_setting, with KEY's dashes read as underscores.
Verb add_set_verb(CLI::App& app);
void set_setting(const std::filesystem::path& dir, const std::string& key, const std::string& value,
                 std::ostream& out);

// txgraph run DIR [FILE|-]: applies one transaction per line of `in`, printing each tx id
// (flushed) as soon as commit() returns. Stops at the first failing line and throws an
// error whose message starts "line N: "; the lines before it stay committed.
Verb add_run_verb(CLI::App& app);
void run_transactions(const std::filesystem::path& dir, std::istream& in, std::ostream& out);

// txgraph show DIR [--json]: Database::status() for people, or as one JSON object.
Verb add_show_verb(CLI::App& app);
void show_database(const std::filesystem::path& dir, bool json, std::ostream& out);

// txgraph export DIR: every node, then every relationship, as JSON lines.
Verb add_export_verb(CLI::App& app);
void export_graph(const std::filesystem::path& dir, std::ostream& out);

// txgraph checkpoint DIR: Database::checkpoint(); prints and returns the checkpointed tx id.
Verb add_checkpoint_verb(CLI::App& app);
std::uint64_t checkpoint_database(const std::filesystem::path& dir, std::ostream& out);

// txgraph cdc earliest|current DIR, txgraph cdc query DIR [...]: the change stream, read from
// the log without opening the database (ChangeStream::open_log).
Verb add_cdc_verb(CLI::App& app);
void print_cdc_position(const std::filesystem::path& dir, bool earliest, std::ostream& out);
struct CdcQueryArgs {
  std::string from;                    // empty: current
  std::vector<std::string> selectors;  // JSON objects
  std::uint64_t limit = UINT64_MAX;
  bool follow = false;  // wait for more until SIGINT / SIGTERM or the limit
  bool snapshot = false;  // start with the whole graph (ChangeStream::snapshot_start)
  std::size_t snapshot_chunk = kDefaultSnapshotChunk;
  ValueForm values = ValueForm::kNeo4j;
};
// One line on `err` for each bulk import a query or poll passed: its data is in the store
// but not in the change stream.
void report_imports(const std::vector<ImportNotice>& imports, std::ostream& err);
// Prints each selected change as a JSON line, flushed per batch, and report_imports() of each
// batch; with follow, returns on SIGINT after printing the position to continue from to `err`.
void query_changes(const std::filesystem::path& dir, const CdcQueryArgs& args, std::ostream& out, std::ostream& err);

// txgraph cdc group create|list|poll|commit|reset|delete (txgraph/consumer.h); declared
// under `cdc` by add_cdc_verb. The returned function runs whichever was parsed.
std::function<void()> add_cdc_group_verbs(CLI::App& cdc);
struct CdcGroupArgs {
  std::string name;
  std::string start = "latest";        // create: parse_start_location text
  std::string reset_start = "earliest";
  std::vector<std::string> selectors;  // JSON objects
  bool manual_commit = false;
  std::string hold;   // a size, or empty for no hold
  std::size_t limit = 100;
  std::string wait;   // a duration, or empty
  bool follow = false;
  std::string position;  // commit
  ValueForm values = ValueForm::kNeo4j;  // poll
};
void create_group(const std::filesystem::path& dir, const CdcGroupArgs& args, std::ostream& out);
void list_groups(const std::filesystem::path& dir, bool json, std::ostream& out);
// Prints the next batch (with follow, every batch until SIGINT) as JSON lines, then closes the
// consumer: an automatic-commit group commits what was printed.
void poll_group(const std::filesystem::path& dir, const CdcGroupArgs& args, std::ostream& out, std::ostream& err);
void commit_group(const std::filesystem::path& dir, const CdcGroupArgs& args, std::ostream& out);
void reset_group(const std::filesystem::path& dir, const CdcGroupArgs& args, std::ostream& out);
void delete_group(const std::filesystem::path& dir, const std::string& name, std::ostream& out);

// txgraph replicate SRC DST [--follow] [--resnapshot]: txgraph::replicate from SRC's log into
// DST; with follow, until SIGINT / SIGTERM; with resnapshot, DST (a replica) is removed first
// and made again from a snapshot. Prints what it applied and the position reached.
Verb add_replicate_verb(CLI::App& app);
void replicate_database(const std::filesystem::path& source_dir, const std::filesystem::path& replica_dir,
                        bool follow, bool resnapshot, std::ostream& out, std::ostream& err);

// txgraph import DIR --nodes FILE... [--relationships FILE...]: Database::import_csv, with a
// progress line on a terminal; prints a summary and returns the import's notice.
Verb add_import_verb(CLI::App& app);
struct ImportArgs {
  std::vector<std::string> node_files;
  std::vector<std::string> relationship_files;
  std::string delimiter = ",";
  std::string array_delimiter = ";";
  std::string id_type = "string";
  bool progress = true;
};
ImportNotice import_files(const std::filesystem::path& dir, const ImportArgs& args, std::ostream& out);

// txgraph log ls|dump|verify|stats|retention DIR: inspects the log files read-only
// (txlog/log_inspect.h); works on a live or damaged log. verify_log returns false when it
// found damage (the verb then exits 1).
Verb add_log_verb(CLI::App& app);
struct LogDumpArgs {
  std::uint64_t from_tx = 0;
  std::uint64_t to_tx = UINT64_MAX;
  std::string since;  // ISO-8601 UTC, or empty
  std::string until;
  std::uint64_t segment = 0;  // 0: every segment
  bool json = false;
  bool follow = false;  // keep printing what the writer appends, until SIGINT / SIGTERM
  std::string color = "auto";  // the text form's headings: "auto" (on a terminal), "always", "never"
};
void list_log_segments(const std::filesystem::path& dir, const std::string& policy, std::ostream& out,
                       std::ostream& err);
// With follow, returns on SIGINT / SIGTERM after printing to `err` the --from-tx to continue from.
void dump_log(const std::filesystem::path& dir, const LogDumpArgs& args, std::ostream& out, std::ostream& err);
bool verify_log(const std::filesystem::path& dir, std::ostream& out);
void print_log_stats(const std::filesystem::path& dir, std::ostream& out, std::ostream& err);
void preview_retention(const std::filesystem::path& dir, const std::string& policy, std::ostream& out,
                       std::ostream& err);

// txgraph kafka publish|replicate|mock-cluster (txgraph/kafka.h).
Verb add_kafka_verb(CLI::App& app);
struct KafkaArgs {
  std::string brokers;
  std::string topic;
  std::vector<std::string> config;  // KEY=VALUE
  bool follow = false;  // until SIGINT / SIGTERM, or until `stop` returns true when it is set
  std::function<bool()> stop;
  std::function<void(std::uint64_t source_tx)> on_applied;  // replicate: after each replica commit
  // publish
  std::string group;
  std::string start;
  std::vector<std::string> selectors;
  std::string key = "element-id";
  std::size_t snapshot_chunk = kDefaultSnapshotChunk;  // with --start snapshot
  std::size_t max_batch = 5000;  // KafkaPublishOptions::max_batch
  ValueForm values = ValueForm::kNeo4j;
};
// Prints what it published (with follow, a line per Kafka transaction, flushed).
void kafka_publish_changes(const std::filesystem::path& dir, const KafkaArgs& args, std::ostream& out,
                           std::ostream& err);
// Opens (or creates) the replica and applies the topic's changes; with follow, a line per
// applied transaction, flushed.
void kafka_replicate_changes(const std::filesystem::path& replica_dir, const KafkaArgs& args, std::ostream& out,
                             std::ostream& err);
// Runs a mock cluster until SIGINT / SIGTERM; its first line is "bootstrap: HOST:PORT,…".
void run_mock_cluster(int brokers, int partitions, const std::vector<std::string>& topics, std::ostream& out);

// txgraph demo [DIR]: a guided walk through the verbs above on a fresh folder.
Verb add_demo_verb(CLI::App& app);

}  // namespace txgraph::cli
