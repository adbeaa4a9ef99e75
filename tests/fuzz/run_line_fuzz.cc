// Fuzz target: `txgraph run` lines on one database. A line commits, or is refused with
// std::invalid_argument (malformed) or txgraph::Error (the store said no), and a refused line
// changes nothing: the counts and the last committed transaction stay as they were, and the
// database still takes writes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_database.h"
#include "tools/txgraph/transaction_line.h"
#include "txgraph/txgraph.h"

namespace {

// Each committed line grows the database's log and store, which status() (called twice per
// input) and the writes walk more of as they grow: a fresh seeded database every
// kCommitsPerDatabase committed lines keeps the target's rate from falling over a long run.
constexpr int kCommitsPerDatabase = 4096;

struct SeededDatabase {
  txgraph::fuzz::FuzzDatabase f{"run"};
  int commits = 0;
  SeededDatabase() {
    // Something for lines to refer to: a keyed node n:1 and a relationship r:1.
    txgraph::cli::apply_transaction_line(*f.db, R"({"create_key":{"label":"Person","properties":["id"]}})");
    txgraph::cli::apply_transaction_line(
        *f.db, R"({"ops":[{"op":"create_node","as":"a","labels":["Person"],"properties":{"id":1}},)"
               R"({"op":"create_node","as":"b","labels":["Person"],"properties":{"id":2}},)"
               R"({"op":"create_relationship","type":"KNOWS","start":"$a","end":"$b","properties":{}}]})");
  }
};

SeededDatabase& fuzz_database() {
  static std::unique_ptr<SeededDatabase> current;
  if (!current || current->commits >= kCommitsPerDatabase) {
    current.reset();
    current = std::make_unique<SeededDatabase>();
  }
  return *current;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace txgraph;
  auto& seeded = fuzz_database();
  Database& db = *seeded.f.db;
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto before = db.status();
  try {
    cli::apply_transaction_line(db, line);
    ++seeded.commits;
    return 0;
  } catch (const std::invalid_argument&) {
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kWritesRefused || e.code() == ErrorCode::kCorruption) __builtin_trap();
  } catch (...) {
    __builtin_trap();
  }
  auto after = db.status();
  if (after.last_committed_tx != before.last_committed_tx || after.node_count != before.node_count ||
      after.relationship_count != before.relationship_count)
    __builtin_trap();
  return 0;
}
