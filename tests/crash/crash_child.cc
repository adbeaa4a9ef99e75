// The writer that the crash test kills: commits transactions in a loop from two threads and
// prints "ACK <tx id> <token>" for each one as soon as commit() has returned. A third argument
// "async" commits with durability kAsync and no store batches instead of the defaults.
//
// Each transaction creates a pair of Item nodes carrying a unique token, links them, moves a
// counter, and now and then detach-deletes an older item, so recovery has creates, updates,
// deletes and relationship changes to replay.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "txgraph/txgraph.h"

using namespace txgraph;

namespace {

std::mutex out_mutex;

void report(std::uint64_t tx, std::uint64_t token) {
  std::lock_guard lock(out_mutex);
  // One write(2) per line, so a kill never leaves half a line that looks whole.
  std::string line = "ACK " + std::to_string(tx) + " " + std::to_string(token) + "\n";
  if (::write(STDOUT_FILENO, line.data(), line.size()) < 0) std::exit(3);
}

// Payloads of 4-12 KiB that compress little: in "capture" mode each process writes the
// 256 KiB of captured records a compression dictionary is trained from within a few dozen
// commits, even in a sanitizer build.
bool big_payloads = false;

std::string payload(std::mt19937_64& rng) {
  if (!big_payloads) return std::string(rng() % 200, 'x');
  std::string out(4000 + rng() % 8000, 'a');
  for (auto& c : out) c = static_cast<char>('a' + rng() % 26);
  return out;
}

void writer(Database& db, std::uint64_t thread_index, std::uint64_t seed) {
  std::mt19937_64 rng(seed * 7919 + thread_index);
  std::uint64_t local = 0;
  for (;;) {
    std::uint64_t token = (seed << 24) | (thread_index << 20) | ++local;
    auto tx = db.begin_write({"crash-child", "", {{"thread", Value(static_cast<std::int64_t>(thread_index))}}});
    auto a = tx.create_node({"Item"}, {{"token", Value(static_cast<std::int64_t>(token))},
                                       {"payload", Value(payload(rng))}});
    auto b = tx.create_node({"Item", "Twin"}, {{"token", Value(static_cast<std::int64_t>(token))}});
    tx.create_relationship("LINK", a, b, {{"w", Value(static_cast<double>(rng() % 1000) / 10)}});
    auto counter = tx.find_node("Counter", {{"name", Value("main")}});
    tx.set_node_properties(*counter, {{"last", Value(static_cast<std::int64_t>(token))}});
    if (rng() % 5 == 0) {
      auto items = tx.nodes_with_label("Item");
      if (items.size() > 4) {
        auto victim = items[rng() % (items.size() / 2)];
        if (rng() % 2) {
          tx.delete_node(victim, /*detach=*/true);
        } else {
          tx.remove_node_properties(victim, {"payload"});
          tx.add_labels(victim, {"Touched"});
        }
      }
    }
    std::uint64_t id = tx.commit();
    report(id, token);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: crash_child DIR SEED [log|async|capture]\n");
    return 2;
  }
  try {
    Options options;
    // kAsync also survives kill -9. Run here with a store commit per transaction, so that the
    // crash test covers that path too; kLog runs with the default store batches.
    std::string mode = argc == 4 ? argv[3] : "log";
    if (mode == "async") {
      options.durability = Durability::kAsync;
      options.store_batch = 1;
    }
    options.initial_settings.rotation_size = 16 * 1024;  // rotate often, so kills land mid-rotation too
    if (mode == "capture") {
      // DIFF with segments large enough for compression dictionaries: kills land while the
      // writer trains one, writes it, and writes the tagged groups after it.
      options.durability = Durability::kAsync;
      options.initial_settings.enrichment = EnrichmentMode::kDiff;
      options.initial_settings.rotation_size = 1 << 20;
      big_payloads = true;
    }
    options.initial_settings.checkpoint_interval_tx = 50;
    auto db = Database::open(argv[1], options);
    {
      auto tx = db->begin_write({"crash-child", "", {}});
      if (tx.key_constraints().empty()) {
        tx.create_key({EntityKind::kNode, "Counter", {"name"}});
        tx.create_node({"Counter"}, {{"name", Value("main")}});
        report(tx.commit(), 0);
      }
    }
    std::uint64_t seed = std::strtoull(argv[2], nullptr, 10);
    std::thread second(writer, std::ref(*db), 1, seed);
    writer(*db, 0, seed);
    second.join();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crash_child: %s\n", e.what());
    return 1;
  }
}
