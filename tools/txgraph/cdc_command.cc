// txgraph cdc earliest|current|query: the change stream of a database, read straight from its
// log, so it works while another process has the database open and is writing to it.
#include <iostream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"
#include "tools/txgraph/interrupts.h"
#include "txgraph/cdc.h"

namespace txgraph::cli {

namespace {

// How long one wait for file changes lasts before the loop looks at the stop flag again; a
// change wakes it at once.
constexpr std::chrono::milliseconds kFollowWait{1000};

}  // namespace

void print_cdc_position(const std::filesystem::path& dir, bool earliest, std::ostream& out) {
  auto stream = ChangeStream::open_log(dir);
  out << (earliest ? stream.earliest() : stream.current()) << '\n';
  out.flush();
}

void report_imports(const std::vector<ImportNotice>& imports, std::ostream& err) {
  for (const auto& n : imports) {
    std::string files;
    for (const auto& f : n.files) files += (files.empty() ? "" : ", ") + f;
    err << fmt::format("txgraph: note: bulk import {} after transaction {} wrote {} nodes and {} relationships "
                       "({}) straight into the store; the change stream has no events for them\n",
                       n.import_number, n.after_tx, n.nodes, n.relationships, files);
  }
  err.flush();
}

namespace {

// Retention pruned the changes a follower had still to read: the error the C++ reader gives
// (kCdcPruned, its message), said as what it is for the follower, with where to start again.
[[noreturn]] void pruning_passed(const Error& e, const ChangeStream& stream) {
  std::string earliest;
  try {
    earliest = fmt::format(" (continue with --from {}, losing what was pruned)", stream.earliest());
  } catch (const Error&) {
  }
  throw Error(e.code(), fmt::format("pruning passed this follower ({}): {}{}", error_code_name(e.code()), e.what(),
                                    earliest));
}

}  // namespace

void query_changes(const std::filesystem::path& dir, const CdcQueryArgs& args, std::ostream& out,
                   std::ostream& err) {
  std::vector<ChangeSelector> selectors;
  for (const auto& text : args.selectors) selectors.push_back(parse_change_selector(text));
  auto stream = ChangeStream::open_log(dir);
  stream.set_snapshot_chunk(args.snapshot_chunk);
  if (args.snapshot && !args.from.empty())
    throw Error(ErrorCode::kInvalidArgument,
                "--snapshot starts a snapshot, --from continues one (or the stream): give one of them");
  std::string position = args.snapshot ? stream.snapshot_start() : args.from.empty() ? stream.current() : args.from;
  std::uint64_t left = args.limit;
  if (args.follow) stop_on_interrupt();
  bool followed = false;  // a query has returned, and the follower waits for more
  for (;;) {
    QueryResult result;
    try {
      result = stream.query(position, selectors, [&](const ChangeEvent& event) {
        out << change_event_json(event, args.values) << '\n';
        // A snapshot is one long query: stop inside it when interrupted.
        return !(args.follow && interrupted());
      }, left);
    } catch (const Error& e) {
      // The first query's --from already pruned is the caller's id to fix, not a follower's loss.
      if (e.code() != ErrorCode::kCdcPruned || !followed) throw;
      out.flush();
      pruning_passed(e, stream);
    }
    out.flush();
    if (!out) throw std::runtime_error("writing the changes to standard output failed");
    report_imports(result.imports, err);
    position = result.position;
    left -= result.events;
    if (!args.follow || left == 0) return;
    followed = true;
    try {
      while (!interrupted() && !stream.wait(position, kFollowWait)) {
      }
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kCdcPruned) throw;
      pruning_passed(e, stream);
    }
    if (interrupted()) {
      // Where to pick up again, for people and for scripts that restart the follower.
      err << "txgraph: stopped; continue with --from " << position << '\n';
      return;
    }
  }
}

Verb add_cdc_verb(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto args = std::make_shared<CdcQueryArgs>();
  CLI::App* cmd = app.add_subcommand("cdc", "Read the change stream: earliest, current, query");
  cmd->require_subcommand(1);
  cmd->footer(
      "Reads the log directly and never writes: it works while another process has the database\n"
      "open. The database must have enrichment on (txgraph set DIR enrichment diff|full).");

  CLI::App* earliest = cmd->add_subcommand("earliest", "Print the id just before the oldest retained change");
  earliest->add_option("DIR", *dir, "Folder of the database")->check(folder_name())->required();
  CLI::App* current = cmd->add_subcommand("current", "Print the id just after the last committed transaction");
  current->add_option("DIR", *dir, "Folder of the database")->check(folder_name())->required();

  CLI::App* query = cmd->add_subcommand("query", "Print the changes after an id as JSON lines");
  query->add_option("DIR", *dir, "Folder of the database")->check(folder_name())->required();
  query->add_option("--from", args->from, "Change id to read after (default: current, i.e. only new changes)");
  query->add_option("--selector", args->selectors,
                    "A selector as a JSON object; repeat for several (ORed). Fields are ANDed")
      ->take_all()
      ->expected(1)
      // One value per --selector, taken as written: CLI11 would otherwise read a value in
      // [brackets] as a list of its own, splitting JSON at commas and recursing into nesting.
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  query->add_option("--limit", args->limit, "Stop after this many changes")->check(whole_number(1));
  query->add_flag("--snapshot", args->snapshot,
                  "Start with every node, then every relationship, as create events marked \"snapshot\": true, "
                  "then the changes after them (their ids continue the snapshot with --from)");
  query->add_option("--snapshot-chunk", args->snapshot_chunk,
                    "Entities the snapshot reads per store read transaction")
      ->check(whole_number(1));
  query->add_flag("--follow", args->follow,
                  "Keep waiting for new changes (woken by file change notification) until interrupted");
  add_values_option(query, args->values);
  query->footer(
      "One JSON event per line:\n"
      "  {\"id\":\"…\",\"txId\":12,\"seq\":0,\"metadata\":{\"captureMode\":\"DIFF\",…},\n"
      "   \"event\":{\"elementId\":\"n:1\",\"eventType\":\"n\",\"operation\":\"u\",\"labels\":[\"Person\"],\n"
      "            \"keys\":{\"Person\":[{\"id\":1}]},\"state\":{\"before\":{…},\"after\":{…}}}}\n"
      "Pass an event's id as --from to continue after it. Selectors, as in Neo4j:\n"
      "  {\"select\":\"n\",\"labels\":[\"Person\"],\"operation\":\"u\",\"changesTo\":[\"age\"]}\n"
      "  {\"select\":\"r\",\"type\":\"KNOWS\",\"start\":{\"key\":{\"id\":1}}}\n"
      "  {\"executingUser\":\"alice\",\"txMetadata\":{\"app\":\"crm\"}}\n"
      "plus includeProperties / excludeProperties to trim the states. With --follow, Ctrl-C stops\n"
      "and prints the id to continue from on standard error.");

  auto run_group = add_cdc_group_verbs(*cmd);

  return {cmd, [=] {
            run_group();
            if (earliest->parsed()) print_cdc_position(*dir, true, std::cout);
            if (current->parsed()) print_cdc_position(*dir, false, std::cout);
            if (query->parsed()) query_changes(*dir, *args, std::cout, std::cerr);
          }};
}

}  // namespace txgraph::cli
