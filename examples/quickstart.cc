// The README's C++ example; the test suite builds it against an installed txgraph with
// find_package(txgraph) and runs it.
#include <txgraph/txgraph.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : "quickstart-db";
  txgraph::Options options;
  options.initial_settings.enrichment = txgraph::EnrichmentMode::kDiff;  // capture changes
  auto db = txgraph::Database::open(dir, options);
  txgraph::ChangeStream changes(*db);
  std::string from = changes.current();  // a position: only changes after it

  {
    auto tx = db->begin_write({"alice", "", {{"app", txgraph::Value("crm")}}});
    tx.create_key({txgraph::EntityKind::kNode, "Person", {"id"}});
    auto ann = tx.create_node({"Person"}, {{"id", txgraph::Value(1)}, {"name", txgraph::Value("Ann")}});
    auto bob = tx.create_node({"Person"}, {{"id", txgraph::Value(2)}, {"name", txgraph::Value("Bob")}});
    tx.create_relationship("KNOWS", ann, bob, {{"since", txgraph::Value(2020)}});
    std::printf("committed tx %llu\n", static_cast<unsigned long long>(tx.commit()));
  }

  // Every change since `from`, in commit order; keep the result's position for the next query.
  auto result = changes.query(from, {}, [](const txgraph::ChangeEvent& e) {
    std::printf("change %s %c\n", e.element_id.c_str(), static_cast<char>(e.operation));
    return true;
  });
  from = result.position;

  auto read = db->begin_read();
  auto ann = read.find_node("Person", {{"id", txgraph::Value(1)}});
  for (auto rel : read.relationships_of(*ann, txgraph::Direction::kOutgoing, "KNOWS")) {
    auto friend_node = read.get_node(read.get_relationship(rel)->end);
    std::printf("Ann knows %s (%s)\n", friend_node->properties.at("name").as_string().c_str(),
                txgraph::element_id(friend_node->id).c_str());
  }
  return 0;
}
