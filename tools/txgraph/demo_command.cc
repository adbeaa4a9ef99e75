// txgraph demo: a guided walk through the verbs on a fresh folder. Every step calls the same
// function as the verb it shows, and prints the command line that would do it by hand.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <thread>
#include <cstring>
#include <iostream>
#include <memory>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tools/txgraph/commands.h"
#include "txgraph/kafka.h"

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

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  if (!file) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The log's segment files by number, e.g. "4, 5, 6".
std::string segment_names(const std::string& dir) {
  std::vector<std::uint64_t> numbers;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(dir) / "txlog"))
    if (entry.path().extension() == ".seg") numbers.push_back(std::stoull(entry.path().stem().string()));
  std::sort(numbers.begin(), numbers.end());
  return fmt::format("{}", fmt::join(numbers, ", "));
}

// Segments are numbered from 1 and pruned oldest first: those below the oldest are gone.
std::uint64_t pruned_count(const std::string& dir) {
  std::uint64_t oldest = UINT64_MAX;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(dir) / "txlog"))
    if (entry.path().extension() == ".seg") oldest = std::min<std::uint64_t>(oldest, std::stoull(entry.path().stem().string()));
  return oldest == UINT64_MAX ? 0 : oldest - 1;
}

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

// The key constraints of the database in `dir`, as `show` names them.
std::string replica_keys(const std::string& dir) {
  std::ostringstream shown;
  show_database(dir, false, shown);
  std::string text = shown.str();
  auto at = text.find("\nkeys ");
  return at == std::string::npos ? "" : text.substr(at + 1, text.find("\nconsumer groups") - at - 1);
}

// A mock cluster, `kafka publish --start snapshot --follow` and `kafka replicate --follow` into
// a second database, and a commit on the source seen in the replica.
void kafka_step(const std::string& dir, std::ostream& out) {
  heading(out, "16. Through Kafka to a replica on another machine");
  out << "`kafka publish` sends each change to a Kafka topic exactly once (a transactional producer\n"
         "that goes on after what the topic holds); `kafka replicate` reads every partition, rebuilds\n"
         "each source transaction and applies it whole, in source order, storing the topic's offsets\n"
         "in the same replica transaction. --start snapshot begins the topic with the whole graph, and\n"
         "the second selector sends key constraints along. Here the brokers are librdkafka's in-memory\n"
         "mock cluster, a test tool; point --brokers at a real cluster in production.\n";
  KafkaMockCluster cluster(3, 6, {"changes"});
  command(out, "txgraph kafka mock-cluster --brokers 3 --partitions 6 --topic changes &");
  out << "bootstrap: " << cluster.bootstrap() << '\n';
  std::string source = (std::filesystem::path(dir) / "kafka-source").string();
  std::string replica = (std::filesystem::path(dir) / "kafka-replica").string();
  Settings settings;
  settings.enrichment = EnrichmentMode::kDiff;
  command(out, fmt::format("txgraph init {} --enrichment diff", source));
  init_database(source, settings, out);
  // The last tx id a step printed: what the replica must reach.
  auto step = [&](const std::vector<std::string>& lines) {
    std::ostringstream printed;
    run_step(source, lines, printed);
    out << printed.str();
    std::string text = printed.str();
    text.erase(text.find_last_not_of('\n') + 1);
    return std::stoull(text.substr(text.rfind('\n') + 1));
  };
  std::uint64_t created = step(kCreateLines);

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> applied{0};
  KafkaArgs args;
  args.brokers = cluster.bootstrap();
  args.topic = "changes";
  args.follow = true;
  args.stop = [&] { return stop.load(); };
  args.on_applied = [&](std::uint64_t tx) { applied = tx; };
  args.start = "snapshot";
  args.selectors = {R"({"select":"e"})", R"({"select":"s"})"};
  command(out, fmt::format("txgraph kafka publish {} --brokers {} --topic changes --start snapshot --selector '{}' "
                           "--selector '{}' --follow &",
                           source, args.brokers, args.selectors[0], args.selectors[1]));
  command(out,
          fmt::format("txgraph kafka replicate {} --brokers {} --topic changes --follow &", replica, args.brokers));
  std::ostringstream published, replicated;
  std::exception_ptr failed;
  auto guarded = [&](auto&& body) {
    return std::thread([&, body] {
      try {
        body();
      } catch (...) {
        failed = std::current_exception();
        stop = true;
      }
    });
  };
  std::thread publisher = guarded([&] { kafka_publish_changes(source, args, published, published); });
  std::thread replicator = guarded([&] { kafka_replicate_changes(replica, args, replicated, replicated); });
  auto wait_for = [&](std::uint64_t tx) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (applied.load() < tx && !stop && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  wait_for(created);
  std::uint64_t changed = step({kChangeLines[0]});
  wait_for(changed);
  bool seen = applied.load() >= changed;
  stop = true;
  publisher.join();
  replicator.join();
  if (failed) std::rethrow_exception(failed);
  out << "The publisher printed:\n" << published.str() << "The replicator printed:\n" << replicated.str();
  if (!seen) throw std::runtime_error("the commit did not reach the Kafka-fed replica within 30 s");
  out << "Ann's new age and label are in the replica, and the key came with the snapshot:\n";
  command(out, fmt::format("txgraph export {}", replica));
  export_graph(replica, out);
  if (replica_keys(replica) != replica_keys(source))
    throw std::runtime_error("the key did not reach the Kafka-fed replica");
  out << replica_keys(replica) << '\n';
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

  heading(out, "8. Follow changes as they commit");
  out << "--follow keeps waiting for new changes (woken by the commit's file change, no polling)\n"
         "until Ctrl-C; here --limit 1 ends it after the first change its selector takes. A\n"
         "follower starts, then another transaction renames Cid.\n";
  CdcQueryArgs follow;
  follow.follow = true;
  follow.limit = 1;
  // The follower would start at the current position; it is taken here, before the commit,
  // so that the demo never depends on how fast the follower starts.
  {
    std::ostringstream current;
    print_cdc_position(dir, false, current);
    follow.from = current.str().substr(0, current.str().find('\n'));
  }
  follow.selectors = {R"({"select":"n","changesTo":["name"]})"};
  command(out, fmt::format("txgraph cdc query {} --from {} --follow --limit 1 --selector '{}' &", dir, follow.from,
                           follow.selectors[0]));
  std::ostringstream followed;
  std::exception_ptr follow_error;
  std::thread follower([&] {
    try {
      query_changes(dir, follow, followed, followed);
    } catch (...) {
      follow_error = std::current_exception();
    }
  });
  // Let the follower be waiting when the commit comes (it would catch up anyway).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  run_step(dir, {R"({"user":"bob","ops":[{"op":"set_properties","node":{"label":"Person","key":{"id":3}},"properties":{"name":"Cid the Second"}}]})"}, out);
  follower.join();
  if (follow_error) std::rethrow_exception(follow_error);
  out << "The follower printed:\n" << followed.str();

  heading(out, "9. A replica fed by CDC");
  out << "`replicate` starts a new replica with a snapshot of the source (keys, every node and\n"
         "relationship, imported ones too), then applies every change of the source, one replica\n"
         "transaction per source transaction, keeping the element ids. It stores the source\n"
         "position in the replica with each transaction, so a second run (or a restart after a\n"
         "crash) goes on where it stopped and applies nothing twice.\n";
  std::string replica = (std::filesystem::path(dir) / "replica").string();
  command(out, fmt::format("txgraph replicate {} {}", dir, replica));
  replicate_database(dir, replica, false, false, out, out);
  command(out, fmt::format("txgraph replicate {} {}", dir, replica));
  replicate_database(dir, replica, false, false, out, out);
  command(out, fmt::format("txgraph export {}", replica));
  export_graph(replica, out);

  heading(out, "10. Switching capture off breaks the stream for good");
  out << "With enrichment OFF nothing is captured; switching it on again starts a new generation,\n"
         "and a position from before is refused, since the changes in between are lost to it.\n";
  std::ostringstream old_position;
  print_cdc_position(dir, false, old_position);
  std::string old_id = old_position.str().substr(0, old_position.str().find('\n'));
  command(out, fmt::format("txgraph set {} enrichment off", dir));
  set_setting(dir, "enrichment", "off", out);
  run_step(dir, {R"({"user":"alice","ops":[{"op":"set_properties","node":{"label":"Person","key":{"id":1}},"properties":{"age":33}}]})"}, out);
  command(out, fmt::format("txgraph set {} enrichment diff", dir));
  set_setting(dir, "enrichment", "diff", out);
  command(out, fmt::format("txgraph cdc query {} --from {}", dir, old_id));
  try {
    CdcQueryArgs stale;
    stale.from = old_id;
    query_changes(dir, stale, out, out);
  } catch (const std::exception& e) {
    out << fmt::format("txgraph: error: {}\n", e.what());
  }

  heading(out, "11. Bulk import bypasses the log");
  out << "`import` writes CSV rows straight into the store: fast, but no transaction record, so\n"
         "change data capture never sees them. The log gets an import notice, and `show` lists it.\n";
  auto people_csv = std::filesystem::path(dir) / "people.csv";
  auto knows_csv = std::filesystem::path(dir) / "knows.csv";
  write_text(people_csv, "id:ID(P),name,age:int,:LABEL\nd1,Dana,28,Person\nd2,Eli,35,Person;Admin\nd3,Flo,41,Person\n");
  write_text(knows_csv, ":START_ID(P),:END_ID(P),:TYPE,since:int\nd1,d2,KNOWS,2019\nd2,d3,KNOWS,2021\n");
  out << "people.csv:\n" << read_text(people_csv) << "knows.csv:\n" << read_text(knows_csv);
  std::ostringstream before_import;
  print_cdc_position(dir, false, before_import);
  std::string before_import_id = before_import.str().substr(0, before_import.str().find('\n'));
  ImportArgs import;
  import.node_files = {people_csv.string()};
  import.relationship_files = {knows_csv.string()};
  import.progress = false;
  command(out, fmt::format("txgraph import {} --nodes {} --relationships {}", dir, people_csv.string(), knows_csv.string()));
  import_files(dir, import, out);
  command(out, fmt::format("txgraph cdc query {} --from {}", dir, before_import_id));
  CdcQueryArgs after_import;
  after_import.from = before_import_id;
  query_changes(dir, after_import, out, out);
  out << "(nothing: the import is not in the change stream)\n";
  command(out, fmt::format("txgraph show {}", dir));
  show_database(dir, false, out);
  out << "The next transaction's change is the first after the import, and the query that reads it\n"
         "says what it passed (on standard error; the events on standard output stay events):\n";
  run_step(dir, {R"({"ops":[{"op":"create_node","labels":["Person"],"properties":{"id":4,"name":"Gus"}}]})"}, out);
  command(out, fmt::format("txgraph cdc query {} --from {}", dir, before_import_id));
  query_changes(dir, after_import, out, out);

  heading(out, "12. Retention: checkpoints prune old segments");
  out << "With small segments and a policy that keeps only the newest file, each checkpoint removes\n"
         "the older segments, and `cdc earliest` moves forward with them. (Closing a database\n"
         "checkpoints too, so the `run` below ends with one.)\n";
  command(out, fmt::format("txgraph cdc earliest {}", dir));
  print_cdc_position(dir, true, out);
  out << fmt::format("segment files: {}\n", segment_names(dir));
  command(out, fmt::format("txgraph set {} rotation-size 4K", dir));
  set_setting(dir, "rotation_size", "4K", out);
  command(out, fmt::format("txgraph set {} retention \"1 files\"", dir));
  set_setting(dir, "retention_policy", "1 files", out);
  std::vector<std::string> visits;
  std::uint64_t seed = 7;
  for (int i = 1; i <= 60; ++i) {
    // Notes of random letters, so that compression cannot make the log much smaller.
    std::string note(200, ' ');
    for (auto& c : note) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      c = static_cast<char>('a' + (seed >> 33) % 26);
    }
    visits.push_back(fmt::format(
        R"({{"user":"alice","ops":[{{"op":"set_properties","node":{{"label":"Person","key":{{"id":1}}}},"properties":{{"visits":{},"note":"{}"}}}}]}})",
        i, note));
  }
  out << "(60 transactions, each updating Ann's visit count and a 200-byte note)\n";
  {
    std::string input;
    for (const auto& v : visits) input += v + '\n';
    std::istringstream in(input);
    std::ostringstream ids;
    run_transactions(dir, in, ids);
  }
  command(out, fmt::format("txgraph checkpoint {}", dir));
  checkpoint_database(dir, out);
  out << fmt::format("segment files: {} ({} pruned so far)\n", segment_names(dir), pruned_count(dir));
  command(out, fmt::format("txgraph cdc earliest {}", dir));
  print_cdc_position(dir, true, out);
  out << "The earliest position moved: changes in the pruned segments are gone for good, and a\n"
         "position inside them is refused (kCdcPruned) rather than silently skipped.\n";

  heading(out, "13. A replica that fell behind starts again from a snapshot");
  out << "The replica of step 9 stopped before capture went off and on (step 10), the import and\n"
         "the pruning: the changes it still needs were never captured or are gone from the log, and\n"
         "the import was never in it. `replicate` refuses to go on with a gap; --resnapshot rebuilds\n"
         "the replica from a snapshot of the source, which reads the store (the key and the imported\n"
         "people included) and then hands over to the stream.\n";
  command(out, fmt::format("txgraph replicate {} {}", dir, replica));
  try {
    replicate_database(dir, replica, false, false, out, out);
    throw std::runtime_error("the replica was not refused, though its position was pruned");
  } catch (const Error& e) {
    out << fmt::format("txgraph: error: {}\n", e.what());
  }
  command(out, fmt::format("txgraph replicate {} {} --resnapshot", dir, replica));
  replicate_database(dir, replica, false, true, out, out);
  {
    std::ostringstream source_export, replica_export;
    export_graph(dir, source_export);
    export_graph(replica, replica_export);
    if (source_export.str() != replica_export.str())
      throw std::runtime_error("the rebuilt replica's export differs from the source's");
  }
  out << "`txgraph export` of the source and of the replica are identical, the imported people too,\n"
         "and the replica has the source's key:\n";
  command(out, fmt::format("txgraph show {}", replica));
  show_database(replica, false, out);

  heading(out, "14. Consumer groups keep their place");
  out << "A consumer group is a named reader whose position is stored beside the database, so a\n"
         "consumer that stops goes on where its group left off. This one reads updates of Person\n"
         "nodes and commits by hand: until it commits, each poll gets the same changes again.\n";
  CdcGroupArgs audit;
  audit.name = "audit";
  audit.start = "earliest";
  audit.selectors = {R"({"select":"n","labels":["Person"],"operation":"u","includeProperties":["visits"]})"};
  audit.manual_commit = true;
  audit.limit = 2;
  command(out, fmt::format("txgraph cdc group create {} audit --start earliest --selector '{}' --manual-commit", dir,
                           audit.selectors[0]));
  create_group(dir, audit, out);
  command(out, fmt::format("txgraph cdc group poll {} audit --limit 2", dir));
  std::ostringstream poll_note;
  poll_group(dir, audit, out, poll_note);
  out << poll_note.str();
  command(out, fmt::format("txgraph cdc group poll {} audit --limit 2", dir));
  std::ostringstream again_note;
  poll_group(dir, audit, out, again_note);
  out << again_note.str() << "(the same two changes: nothing was committed)\n";
  std::string note = again_note.str();
  audit.position = note.substr(note.rfind(' ') + 1);
  audit.position.erase(audit.position.find_last_not_of('\n') + 1);
  command(out, fmt::format("txgraph cdc group commit {} audit {}", dir, audit.position));
  commit_group(dir, audit, out);
  command(out, fmt::format("txgraph cdc group list {}", dir));
  list_groups(dir, false, out);

  heading(out, "15. Export the graph");
  out << "Ann (Admin, 60 visits), Cid the Second, Gus, and the three imported people with their\n"
         "two KNOWS relationships; Bob and his KNOWS relationship are gone, Dee never was.\n";
  command(out, fmt::format("txgraph export {}", dir));
  export_graph(dir, out);

  kafka_step(dir, out);

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
  cmd->add_option("DIR", *dir, "Folder for the demo database")->check(folder_name());
  return {cmd, [dir] { run_demo(*dir, std::cout); }};
}

}  // namespace txgraph::cli
