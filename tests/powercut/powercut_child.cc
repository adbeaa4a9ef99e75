// The workload the power-cut test cuts: linked with the interposer (powercut_io.cc), so that
// every write it and LMDB make to the database folder is journaled, and the power can go out
// at any one of them.
//
//   powercut_child log|async DIR SEED ACKS WORK   a seeded mix of commits, checkpoints,
//                                                 enrichment switches, bulk imports and
//                                                 consumer group commits (kLog or kAsync)
//   powercut_child recover DIR                    opens the database and closes it: a cut
//                                                 here is a power cut during recovery
//
// ACKS gets one line per event, each with one write(2), so that a kill never leaves half a
// line that looks whole:
//   ACK k               transaction k's commit() returned (kLog: it is durable)
//   DURABLE k           a checkpoint or an import returned: transactions 1..k are durable
//   IMPORT i n r        import i of n nodes and r relationships is about to start
//   IMPORTED i          it returned (an import ends with a checkpoint: durable)
// Transaction k creates an Item node with k (and sometimes a padding property of a few KiB,
// so that records span pages) and a NEXT relationship with k from item k-1 to it (item 1 to
// itself): a transaction half applied shows as an item without its relationship.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "txgraph/txgraph.h"

using namespace txgraph;

namespace {

int acks_fd = -1;

void report(const std::string& line) {
  std::string text = line + "\n";
  if (::write(acks_fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) std::exit(3);
}

std::string padding(std::mt19937_64& rng) {
  std::string out(2048 + rng() % 6144, 'a');
  for (auto& c : out) c = static_cast<char>('a' + rng() % 26);
  return out;
}

// Half the seeds commit the store at every transaction, so that its unsynced pages (and meta
// pages) pile up between checkpoints instead of reaching it only with the checkpoint's sync;
// half the kAsync seeds sync the log rarely, so that a cut finds much of it unsynced.
Options workload_options(bool async, std::mt19937_64& rng) {
  Options o;
  if (async) {
    o.durability = Durability::kAsync;
    if (rng() % 2) o.async_sync_interval = std::chrono::milliseconds(400);
  }
  if (rng() % 2) o.store_batch = 1;
  o.initial_settings.enrichment = EnrichmentMode::kDiff;
  o.initial_settings.rotation_size = 32 << 10;
  o.initial_settings.retention_policy = "2 files";
  o.initial_settings.checkpoint_interval_tx = 10;
  return o;
}

// A consumer reads what is new and commits its position; the group is created (or reset)
// whenever it cannot go on, unless enrichment is off.
void consume(const ChangeStream& stream) {
  try {
    if (list_consumer_groups(stream).empty()) {
      ConsumerGroupOptions group;
      group.start = StartLocation::earliest();
      group.auto_commit = false;
      create_consumer_group(stream, "pc", group);
    }
    Consumer consumer(stream, "pc");
    consumer.poll(40);
    consumer.commit();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kConsumerGroupLost) {
      try {
        reset_consumer_group(stream, "pc", StartLocation::earliest());
      } catch (const Error& again) {
        if (again.code() != ErrorCode::kCdcDisabled) throw;
      }
    } else if (e.code() != ErrorCode::kCdcDisabled) {
      throw;
    }
  }
}

void import(Database& db, const std::filesystem::path& work, int number, std::mt19937_64& rng) {
  int nodes = 2 + static_cast<int>(rng() % 5);
  auto node_file = work / ("import-" + std::to_string(number) + "-nodes.csv");
  auto rel_file = work / ("import-" + std::to_string(number) + "-rels.csv");
  {
    std::ofstream n(node_file);
    n << "id:ID,:LABEL,imp:int\n";
    for (int i = 1; i <= nodes; ++i) n << "x" << i << ",Imported," << number << "\n";
    std::ofstream r(rel_file);
    r << ":START_ID,:END_ID,:TYPE,imp:int\n";
    for (int i = 1; i < nodes; ++i) r << "x" << i << ",x" << i + 1 << ",IMP," << number << "\n";
  }
  report("IMPORT " + std::to_string(number) + " " + std::to_string(nodes) + " " + std::to_string(nodes - 1));
  ImportOptions options;
  options.node_files = {node_file};
  options.relationship_files = {rel_file};
  db.import_csv(options);
  report("IMPORTED " + std::to_string(number));
}

int run(bool async, const std::filesystem::path& dir, std::uint64_t seed, const std::filesystem::path& work) {
  std::mt19937_64 rng(seed);
  auto db = Database::open(dir, workload_options(async, rng));
  ChangeStream stream(*db);
  const int operations = 80 + static_cast<int>(rng() % 50);
  std::int64_t k = 0;
  NodeId previous;
  int imports = 0;
  for (int op = 0; op < operations; ++op) {
    unsigned roll = static_cast<unsigned>(rng() % 100);
    if (roll < 66) {
      ++k;
      auto tx = db->begin_write();
      Properties props{{"k", Value(k)}};
      if (rng() % 2 == 0) props.emplace("pad", Value(padding(rng)));
      NodeId node = tx.create_node({"Item"}, props);
      tx.create_relationship("NEXT", k == 1 ? node : previous, node, {{"k", Value(k)}});
      tx.commit();
      previous = node;
      report("ACK " + std::to_string(k));
    } else if (roll < 74) {
      db->checkpoint();
      report("DURABLE " + std::to_string(k));
    } else if (roll < 80) {
      static constexpr EnrichmentMode kModes[] = {EnrichmentMode::kDiff, EnrichmentMode::kFull,
                                                  EnrichmentMode::kDiff, EnrichmentMode::kFull,
                                                  EnrichmentMode::kOff};
      db->set_enrichment(kModes[rng() % 5]);
    } else if (roll < 85) {
      import(*db, work, ++imports, rng);
      report("DURABLE " + std::to_string(k));
    } else {
      consume(stream);
    }
  }
  db->close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "recover" && argc == 3) {
      Database::open(argv[2])->close();
      return 0;
    }
    if ((mode == "log" || mode == "async") && argc == 6) {
      acks_fd = ::open(argv[4], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (acks_fd < 0) {
        std::perror(argv[4]);
        return 2;
      }
      return run(mode == "async", argv[2], std::strtoull(argv[3], nullptr, 10), argv[5]);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "powercut_child %s: %s\n", mode.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: powercut_child log|async DIR SEED ACKS WORK | recover DIR\n");
  return 2;
}
