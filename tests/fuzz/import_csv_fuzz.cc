// Fuzz target: bulk import of arbitrary CSV. The input is a nodes file, optionally followed by
// a line "===" and a relationships file. An import succeeds and adds exactly the nodes and
// relationships its notice counts, or is refused with kInvalidArgument or
// kConstraintViolation and leaves the database exactly as it was.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_database.h"
#include "txgraph/txgraph.h"

namespace {

// Every import is recorded in one list that status() and the next import read whole, so a
// process that imports millions of times would spend its time there: a fresh database (with
// its key) every kImportsPerDatabase successful imports keeps the target on the CSV reader.
constexpr int kImportsPerDatabase = 256;

struct KeyedDatabase {
  txgraph::fuzz::FuzzDatabase f{"import", txgraph::EnrichmentMode::kOff};
  int imports = 0;
  KeyedDatabase() {
    auto tx = f.db->begin_write();
    tx.create_key({txgraph::EntityKind::kNode, "Person", {"id"}});
    tx.commit();
  }
};

KeyedDatabase& fuzz_database() {
  static std::unique_ptr<KeyedDatabase> current;
  if (!current || current->imports >= kImportsPerDatabase) {
    current.reset();
    current = std::make_unique<KeyedDatabase>();
  }
  return *current;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace txgraph;
  auto& keyed = fuzz_database();
  auto& f = keyed.f;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string nodes = text, relationships;
  if (auto at = text.find("\n===\n"); at != std::string::npos) {
    nodes = text.substr(0, at + 1);
    relationships = text.substr(at + 5);
  }
  ImportOptions options;
  options.node_files = {f.dir + "/nodes.csv"};
  std::ofstream(f.dir + "/nodes.csv", std::ios::binary | std::ios::trunc) << nodes;
  if (!relationships.empty()) {
    options.relationship_files = {f.dir + "/relationships.csv"};
    std::ofstream(f.dir + "/relationships.csv", std::ios::binary | std::ios::trunc) << relationships;
  }
  auto before = f.db->status();
  try {
    auto notice = f.db->import_csv(options);
    ++keyed.imports;
    auto after = f.db->status();
    if (after.node_count != before.node_count + notice.nodes ||
        after.relationship_count != before.relationship_count + notice.relationships)
      __builtin_trap();
    return 0;
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidArgument && e.code() != ErrorCode::kConstraintViolation) __builtin_trap();
  } catch (...) {
    __builtin_trap();
  }
  auto after = f.db->status();
  if (after.node_count != before.node_count || after.relationship_count != before.relationship_count ||
      after.imports.size() != before.imports.size())
    __builtin_trap();
  return 0;
}
