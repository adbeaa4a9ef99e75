// Dropping a key constraint (graph_store.h): its definition and every entry of its index go in
// the transaction that drops it.
#include <fmt/format.h>

#include <algorithm>

#include "engine/database_impl.h"
#include "engine/graph_store.h"
#include "engine/lmdb_env.h"
#include "txgraph/error.h"

namespace txgraph::engine {

namespace {

std::string describe_constraint(const KeyConstraint& c) {
  std::string properties;
  for (const auto& p : c.properties) properties += (properties.empty() ? "" : ", ") + p;
  return fmt::format("{} key on {}({})", c.kind == EntityKind::kNode ? "node" : "relationship", c.label_or_type,
                     properties);
}

}  // namespace

void drop_key(TxnState& s, const KeyConstraint& constraint) {
  const auto& defs = schema(s);
  auto it = std::find_if(defs.begin(), defs.end(), [&](const KeyDef& d) { return same_key(d.constraint, constraint); });
  if (it == defs.end())
    throw Error(ErrorCode::kNotFound, fmt::format("there is no {} to drop", describe_constraint(constraint)));
  const std::uint32_t id = it->id;
  const Tables& t = s.db->env->tables();
  std::string prefix;
  append_be32(prefix, id);
  // Collected first: a key is not deleted under the cursor that reads it.
  std::vector<std::string> entries;
  {
    Cursor c(s.txn, t.key_index);
    for (bool ok = c.seek(prefix); ok && c.key().substr(0, 4) == prefix; ok = c.next()) entries.emplace_back(c.key());
  }
  try {
    for (const auto& key : entries) mdb_delete(s.txn, t.key_index, key);
    mdb_delete(s.txn, t.schema, prefix);
  } catch (...) {
    s.failed = true;  // half-written: the transaction can only be aborted now
    throw;
  }
  s.schema->erase(s.schema->begin() + (it - defs.begin()));
}

}  // namespace txgraph::engine
