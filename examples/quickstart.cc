// The README's C++ example; the test suite builds it against an installed txgraph with
// find_package(txgraph) and runs it.
#include <txgraph/txgraph.h>

#include <cstdio>

int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : "quickstart-db";
  auto db = txgraph::Database::open(dir);

  {
    auto tx = db->begin_write({"alice", "", {{"app", txgraph::Value("crm")}}});
    tx.create_key({txgraph::EntityKind::kNode, "Person", {"id"}});
    auto ann = tx.create_node({"Person"}, {{"id", txgraph::Value(1)}, {"name", txgraph::Value("Ann")}});
    auto bob = tx.create_node({"Person"}, {{"id", txgraph::Value(2)}, {"name", txgraph::Value("Bob")}});
    tx.create_relationship("KNOWS", ann, bob, {{"since", txgraph::Value(2020)}});
    std::printf("committed tx %llu\n", static_cast<unsigned long long>(tx.commit()));
  }

  auto read = db->begin_read();
  auto ann = read.find_node("Person", {{"id", txgraph::Value(1)}});
  for (auto rel : read.relationships_of(*ann, txgraph::Direction::kOutgoing, "KNOWS")) {
    auto friend_node = read.get_node(read.get_relationship(rel)->end);
    std::printf("Ann knows %s (%s)\n", friend_node->properties.at("name").as_string().c_str(),
                txgraph::element_id(friend_node->id).c_str());
  }
  return 0;
}
