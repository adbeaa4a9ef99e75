// txgraph cdc group create|list|poll|commit|reset|delete: consumer groups (txgraph/consumer.h),
// read straight from the database's files, so they work while another process has it open.
#include <iostream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tools/txgraph/commands.h"
#include "tools/txgraph/interrupts.h"
#include "txgraph/consumer.h"
#include "txlog/text_formats.h"

namespace txgraph::cli {

using txlog::duration_text;
using txlog::iso8601_utc;
using txlog::size_text;

namespace {

nlohmann::json group_json(const ConsumerGroupInfo& g) {
  nlohmann::json j;
  j["name"] = g.name;
  j["selectors"] = nlohmann::json::array();
  for (const auto& s : g.selectors) j["selectors"].push_back(nlohmann::json::parse(s));
  j["start"] = g.start;
  j["position"] = g.position;
  j["positionTx"] = g.position_tx;
  j["commit"] = g.auto_commit ? "auto" : "manual";
  j["holdBytes"] = g.hold_bytes ? nlohmann::json(*g.hold_bytes) : nlohmann::json(nullptr);
  j["lost"] = g.lost.empty() ? nlohmann::json(nullptr) : nlohmann::json(g.lost);
  j["created"] = iso8601_utc(g.created_us);
  j["committed"] = iso8601_utc(g.committed_us);
  j["lagChanges"] = g.lag_changes ? nlohmann::json(*g.lag_changes) : nlohmann::json(nullptr);
  j["lagBytes"] = g.lag_bytes ? nlohmann::json(*g.lag_bytes) : nlohmann::json(nullptr);
  return j;
}

void print_group_line(const ConsumerGroupInfo& g, std::ostream& out) {
  out << fmt::format("{:<20} tx {:<10} {:>10} {:>10} {:<7} {:<11} {}\n", g.name, g.position_tx,
                     g.lag_changes ? std::to_string(*g.lag_changes) : "-",
                     g.lag_bytes ? size_text(*g.lag_bytes) : "-", g.auto_commit ? "auto" : "manual",
                     g.hold_bytes ? "hold " + size_text(*g.hold_bytes) : "no hold",
                     g.lost.empty() ? "" : "LOST: " + g.lost);
}

}  // namespace

void create_group(const std::filesystem::path& dir, const CdcGroupArgs& args, std::ostream& out) {
  auto stream = ChangeStream::open_log(dir);
  ConsumerGroupOptions options;
  options.selectors = args.selectors;
  options.start = parse_start_location(args.start);
  options.auto_commit = !args.manual_commit;
  if (!args.hold.empty()) options.hold_bytes = parse_size(args.hold);
  auto info = create_consumer_group(stream, args.name, options);
  out << fmt::format("created consumer group {} at {} (tx {})\n", info.name, info.position, info.position_tx);
}

void list_groups(const std::filesystem::path& dir, bool json, std::ostream& out) {
  auto stream = ChangeStream::open_log(dir);
  auto groups = list_consumer_groups(stream, true);
  if (json) {
    for (const auto& g : groups) out << group_json(g).dump() << '\n';
    return;
  }
  if (groups.empty()) {
    out << "no consumer groups\n";
    return;
  }
  out << fmt::format("{:<20} {:<13} {:>10} {:>10} {:<7} {:<11} {}\n", "GROUP", "POSITION", "LAG", "LAG BYTES",
                     "COMMIT", "RETENTION", "");
  for (const auto& g : groups) print_group_line(g, out);
}

void poll_group(const std::filesystem::path& dir, const CdcGroupArgs& args, std::ostream& out, std::ostream& err) {
  auto stream = ChangeStream::open_log(dir);
  Consumer consumer(stream, args.name);
  if (args.follow) stop_on_interrupt();
  auto wait = args.wait.empty() ? std::chrono::milliseconds{0} : parse_duration(args.wait);
  bool manual = !consumer.auto_commit();
  for (;;) {
    // A follower wakes now and then to look at the stop flag; a commit wakes it at once.
    auto batch = consumer.poll(args.limit, args.follow ? std::chrono::milliseconds{1000} : wait);
    for (const auto& event : batch.events) out << change_event_json(event, args.values) << '\n';
    out.flush();
    if (!out) throw std::runtime_error("writing the changes to standard output failed");
    report_imports(batch.imports, err);
    if (!args.follow || interrupted()) break;
  }
  if (manual) {
    err << fmt::format("txgraph: not committed (group {} commits manually); commit with: txgraph cdc group commit {} "
                       "{} {}\n",
                       args.name, dir.string(), args.name, consumer.position());
  }
  consumer.close();  // automatic commit: the position after what was printed
}

void commit_group(const std::filesystem::path& dir, const CdcGroupArgs& args, std::ostream& out) {
  auto stream = ChangeStream::open_log(dir);
  Consumer consumer(stream, args.name);
  consumer.commit(args.position);
  consumer.close();
  out << fmt::format("committed consumer group {} at {}\n", args.name, consumer.committed());
}

void reset_group(const std::filesystem::path& dir, const CdcGroupArgs& args, std::ostream& out) {
  auto stream = ChangeStream::open_log(dir);
  auto info = reset_consumer_group(stream, args.name, parse_start_location(args.reset_start));
  out << fmt::format("reset consumer group {} to {} (tx {})\n", info.name, info.position, info.position_tx);
}

void delete_group(const std::filesystem::path& dir, const std::string& name, std::ostream& out) {
  auto stream = ChangeStream::open_log(dir);
  if (!delete_consumer_group(stream, name))
    throw Error(ErrorCode::kNotFound, fmt::format("database {} has no consumer group \"{}\"", dir.string(), name));
  out << fmt::format("deleted consumer group {}\n", name);
}

std::function<void()> add_cdc_group_verbs(CLI::App& cdc) {
  auto dir = std::make_shared<std::string>();
  auto args = std::make_shared<CdcGroupArgs>();
  auto json = std::make_shared<bool>(false);
  CLI::App* group = cdc.add_subcommand("group", "Consumer groups: named readers whose positions are kept durably");
  group->require_subcommand(1);
  group->footer(
      "A group reads the changes after its committed position; a consumer that stops before it\n"
      "commits gets the same changes again next time, never a gap. Positions live in\n"
      "DIR/consumers/ and survive crashes. One consumer per group at a time.");
  auto add_dir_name = [&](CLI::App* verb) {
    verb->add_option("DIR", *dir, "Folder of the database")->check(folder_name())->required();
    verb->add_option("NAME", args->name, "Name of the group (letters, digits, _ - .)")->required();
  };
  const std::string start_help =
      "earliest | latest | snapshot (the whole graph, then the changes) | a UTC time (2026-11-21T10:00:00Z) | "
      "milliseconds since the epoch | a change id";

  CLI::App* create = group->add_subcommand("create", "Create a group at a start location");
  add_dir_name(create);
  create->add_option("--start", args->start, "Where the group starts: " + start_help)->capture_default_str();
  create->add_option("--selector", args->selectors, "A selector as a JSON object (as for cdc query); repeat for several")
      ->take_all()
      ->expected(1)
      // One value per --selector, taken as written: CLI11 would otherwise read a value in
      // [brackets] as a list of its own, splitting JSON at commas and recursing into nesting.
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create->add_flag("--manual-commit", args->manual_commit,
                   "Commit only on `cdc group commit` (default: each poll commits what it printed)");
  create->add_option("--hold", args->hold,
                     "Keep the log the group still needs from being pruned, up to this size (1G); past it the "
                     "group is lost");

  CLI::App* list = group->add_subcommand("list", "List the groups with their positions and lag");
  list->add_option("DIR", *dir, "Folder of the database")->check(folder_name())->required();
  list->add_flag("--json", *json, "One JSON object per group");
  list->footer("LAG is the selected changes after the committed position; LAG BYTES the log segments holding them.");

  CLI::App* poll = group->add_subcommand("poll", "Print the group's next changes as JSON lines");
  add_dir_name(poll);
  poll->add_option("--limit", args->limit, "At most this many changes per poll")->check(whole_number(1))->default_val(100);
  poll->add_option("--wait", args->wait, "Wait this long (500ms, 5s) for a change when there is none");
  poll->add_flag("--follow", args->follow, "Keep polling until interrupted (Ctrl-C)");
  add_values_option(poll, args->values);
  poll->footer(
      "With automatic commit the position after the printed changes is committed when poll ends;\n"
      "with --manual-commit groups it prints the commit command on standard error instead.");

  CLI::App* commit = group->add_subcommand("commit", "Commit a position (a change id) for a group");
  add_dir_name(commit);
  commit->add_option("POSITION", args->position, "The change id the group has handled everything up to")->required();

  CLI::App* reset = group->add_subcommand("reset", "Move a group to a start location; clears a lost mark");
  add_dir_name(reset);
  reset->add_option("--start", args->reset_start, "Where the group starts again: " + start_help)
      ->capture_default_str();

  CLI::App* remove = group->add_subcommand("delete", "Delete a group and its position");
  add_dir_name(remove);

  return [=] {
    if (create->parsed()) create_group(*dir, *args, std::cout);
    if (list->parsed()) list_groups(*dir, *json, std::cout);
    if (poll->parsed()) poll_group(*dir, *args, std::cout, std::cerr);
    if (commit->parsed()) commit_group(*dir, *args, std::cout);
    if (reset->parsed()) reset_group(*dir, *args, std::cout);
    if (remove->parsed()) delete_group(*dir, args->name, std::cout);
  };
}

}  // namespace txgraph::cli
