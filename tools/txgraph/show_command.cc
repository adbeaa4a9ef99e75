// txgraph show: what Database::status() knows, for people or as one JSON object.
#include <algorithm>
#include <iostream>
#include <memory>
#include <ostream>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cdc/json_values.h"
#include "tools/txgraph/commands.h"
#include "txlog/consumer_records.h"
#include "txlog/text_formats.h"

namespace txgraph::cli {

using txlog::duration_text;
using txlog::iso8601_utc;
using txlog::size_text;

using namespace json;  // the JSON conventions shared with change events

namespace {

// Consumer groups (txgraph/consumer.h) and the log they hold from pruning.
Json groups_json(const std::vector<txlog::ConsumerRecord>& groups) {
  Json out = Json::array();
  for (const auto& g : groups)
    out.push_back({{"name", g.name},
                   {"needsTx", g.needs_tx},
                   {"commit", g.auto_commit ? "auto" : "manual"},
                   {"holdBytes", g.hold_bytes ? Json(*g.hold_bytes) : Json(nullptr)},
                   {"lost", g.lost.empty() ? Json(nullptr) : Json(g.lost)}});
  return out;
}

void print_groups_text(const std::vector<txlog::ConsumerRecord>& groups, std::ostream& out) {
  if (groups.empty()) {
    out << "consumer groups   none\n";
    return;
  }
  out << fmt::format("consumer groups   {}\n", groups.size());
  for (const auto& g : groups) {
    std::string hold = g.hold_bytes ? fmt::format("holds the log from tx {} up to {}", g.needs_tx, size_text(*g.hold_bytes))
                                    : fmt::format("needs tx {} onward, holds nothing", g.needs_tx);
    out << fmt::format("  {}: {}{}\n", g.name, g.lost.empty() ? hold : "LOST: " + g.lost,
                       g.auto_commit ? "" : " (manual commit)");
  }
}

// Key constraints: {"label"|"type", "properties"}, as `run`'s create_key lines name them.
Json keys_json(const std::vector<KeyConstraint>& keys) {
  Json out = Json::array();
  for (const auto& k : keys)
    out.push_back({{k.kind == EntityKind::kNode ? "label" : "type", k.label_or_type}, {"properties", k.properties}});
  return out;
}

void print_keys_text(const std::vector<KeyConstraint>& keys, std::ostream& out) {
  if (keys.empty()) {
    out << "keys              none\n";
    return;
  }
  out << fmt::format("keys              {}\n", keys.size());
  for (const auto& k : keys)
    out << fmt::format("  {} key {}({})\n", k.kind == EntityKind::kNode ? "node" : "relationship", k.label_or_type,
                       fmt::join(k.properties, ", "));
}

bool has_checkpoint(const DatabaseStatus& status) {
  return status.last_checkpoint_tx != 0 || status.last_checkpoint_time_us != 0;
}

Json status_json(const std::filesystem::path& dir, const DatabaseStatus& status) {
  Json segments = Json::array();
  for (const SegmentInfo& segment : status.segments)
    segments.push_back({{"number", segment.number},
                        {"file", segment.file_name},
                        {"bytes", segment.bytes},
                        {"firstTx", segment.first_tx}});
  Json imports = Json::array();
  for (const ImportNotice& i : status.imports)
    imports.push_back({{"importNumber", i.import_number},
                       {"time", iso8601_utc(i.time_us)},
                       {"afterTx", i.after_tx},
                       {"nodes", i.nodes},
                       {"relationships", i.relationships},
                       {"firstNodeId", i.first_node_id},
                       {"firstRelationshipId", i.first_relationship_id},
                       {"files", i.files}});
  Json checkpoint = nullptr;
  if (has_checkpoint(status))
    checkpoint = {{"txId", status.last_checkpoint_tx}, {"time", iso8601_utc(status.last_checkpoint_time_us)}};
  return {
      {"dir", dir.string()},
      {"uuid", status.uuid},
      {"settings",
       {{"enrichment", enrichment_mode_name(status.settings.enrichment)},
        {"retentionPolicy", status.settings.retention_policy},
        {"rotationSize", status.settings.rotation_size},
        {"checkpointIntervalTimeMs", status.settings.checkpoint_interval_time.count()},
        {"checkpointIntervalTx", status.settings.checkpoint_interval_tx},
        {"checkpointIntervalVolume", status.settings.checkpoint_interval_volume},
        {"logCompressionLevel", status.settings.log_compression_level}}},
      {"enrichmentGeneration", status.enrichment_generation},
      {"lastCommittedTx", status.last_committed_tx},
      {"lastCheckpoint", checkpoint},
      {"counts", {{"nodes", status.node_count}, {"relationships", status.relationship_count}}},
      {"recoveryAtOpen",
       {{"replayedTransactions", status.replayed_at_open},
        {"tornBytesCut", status.torn_bytes_cut_at_open},
        {"rolledBackToCheckpoint", status.rolled_back_at_open}}},
      {"segments", segments},
      {"imports", imports},
      {"pruningSinceOpen",
       {{"segmentsPruned", status.segments_pruned},
        {"lastError", status.last_prune_error.empty() ? Json(nullptr) : Json(status.last_prune_error)}}},
  };
}

void print_status_text(const std::filesystem::path& dir, const DatabaseStatus& status, std::ostream& out) {
  out << fmt::format("database          {}\n", dir.string());
  out << fmt::format("uuid              {}\n", status.uuid);
  const Settings& settings = status.settings;
  out << "settings\n";
  out << fmt::format("  enrichment                  {} (generation {})\n",
                     enrichment_mode_name(settings.enrichment), status.enrichment_generation);
  out << fmt::format("  retention_policy            {}\n", settings.retention_policy);
  out << fmt::format("  rotation_size               {}\n", size_text(settings.rotation_size));
  out << fmt::format("  checkpoint_interval_time    {}\n", duration_text(settings.checkpoint_interval_time));
  out << fmt::format("  checkpoint_interval_tx      {}\n", settings.checkpoint_interval_tx);
  out << fmt::format("  checkpoint_interval_volume  {}\n", size_text(settings.checkpoint_interval_volume));
  out << fmt::format("  log_compression_level       {}\n", settings.log_compression_level);
  out << fmt::format("last committed    tx {}\n", status.last_committed_tx);
  if (has_checkpoint(status))
    out << fmt::format("last checkpoint   tx {} at {}\n", status.last_checkpoint_tx,
                       iso8601_utc(status.last_checkpoint_time_us));
  else
    out << "last checkpoint   none yet\n";
  out << fmt::format("nodes             {}\n", status.node_count);
  out << fmt::format("relationships     {}\n", status.relationship_count);
  out << fmt::format("recovery at open  {}replayed {} transactions, cut {} torn bytes\n",
                     status.rolled_back_at_open ? "rolled the store back to its last checkpoint, " : "",
                     status.replayed_at_open, status.torn_bytes_cut_at_open);
  if (!status.last_prune_error.empty()) out << fmt::format("pruning stopped   {}\n", status.last_prune_error);
  if (status.imports.empty()) {
    out << "imports           none\n";
  } else {
    out << fmt::format("imports           {} (bulk imports wrote into the store without the log: change data\n"
                       "                  capture did not see their data)\n",
                       status.imports.size());
    for (const ImportNotice& i : status.imports)
      out << fmt::format("  import {} at {} after tx {}: {} nodes (n:{}..), {} relationships; {}\n", i.import_number,
                         iso8601_utc(i.time_us), i.after_tx, i.nodes, i.first_node_id, i.relationships,
                         fmt::join(i.files, ", "));
  }
  out << fmt::format("segments          {}\n", status.segments.size());
  if (status.segments.empty()) return;
  std::size_t file_width = 4;
  for (const SegmentInfo& segment : status.segments)
    file_width = std::max(file_width, segment.file_name.size());
  out << fmt::format("  {:>8}  {:<{}}  {:>12}  {:>10}\n", "number", "file", file_width, "bytes", "first tx");
  for (const SegmentInfo& segment : status.segments)
    out << fmt::format("  {:>8}  {:<{}}  {:>12}  {:>10}\n", segment.number, segment.file_name, file_width,
                       segment.bytes, segment.first_tx);
}

}  // namespace

void show_database(const std::filesystem::path& dir, bool json, std::ostream& out) {
  auto db = open_for_reading(dir, std::cerr);
  DatabaseStatus status = db->status();
  std::vector<KeyConstraint> keys = db->begin_read().key_constraints();
  auto groups = txlog::read_consumer_records(txlog::consumers_dir(dir.string()));
  if (json) {
    Json j = status_json(dir, status);
    j["keys"] = keys_json(keys);
    j["consumerGroups"] = groups_json(groups);
    out << json_line(j) << '\n';
  } else {
    print_status_text(dir, status, out);
    print_keys_text(keys, out);
    print_groups_text(groups, out);
  }
  out.flush();
  db->close();
}

Verb add_show_verb(CLI::App& app) {
  struct Args {
    std::string dir;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd =
      app.add_subcommand("show", "Show a database's settings, counts, checkpoint, log segments and keys");
  cmd->footer(
      "The JSON form is one object: dir, uuid, settings {enrichment, retentionPolicy, rotationSize,\n"
      "checkpointIntervalTimeMs, checkpointIntervalTx, checkpointIntervalVolume, logCompressionLevel},\n"
      "enrichmentGeneration, lastCommittedTx, lastCheckpoint {txId, time} or null, counts {nodes,\n"
      "relationships}, recoveryAtOpen {replayedTransactions, tornBytesCut, rolledBackToCheckpoint}, segments [{number, file,\n"
      "bytes, firstTx}], imports [{importNumber, time, afterTx, nodes, relationships, firstNodeId,\n"
      "firstRelationshipId, files}], pruningSinceOpen {segmentsPruned, lastError}, keys [{label or\n"
      "type, properties}] and consumerGroups [{name, needsTx, commit, holdBytes, lost}]. Sizes are in bytes;\n"
      "times are ISO-8601 UTC with milliseconds. 'At open' and 'since open' are about this\n"
      "command's own open of the database: recovery after a crash, pruning after a checkpoint.");
  cmd->add_option("DIR", args->dir, "Folder of the database")->check(folder_name())->required();
  cmd->add_flag("--json", args->json, "Print one JSON object instead of text");
  return {cmd, [args] { show_database(args->dir, args->json, std::cout); }};
}

}  // namespace txgraph::cli
