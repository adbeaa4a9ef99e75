// Transactions: the public read and write API over graph_store.h.
#include <fmt/format.h>

#include "engine/database_impl.h"
#include "engine/graph_store.h"
#include "txlog/tx_record.h"

namespace txgraph {

using engine::TokenKind;
using txlog::ByteWriter;
using txlog::OpCode;

namespace detail {

TxnState::TxnState(Database::Impl& database, bool write, bool batched)
    : db(&database), writable(write), tokens(database.tokens, database.env->tables()) {
  if (write) {
    database.refuse_if_read_only("writing");
    if (database.writer_thread.load() == std::this_thread::get_id())
      throw Error(ErrorCode::kInvalidArgument,
                  "this thread already has a write transaction open; commit or abort it first");
    writer_lock = std::unique_lock(database.writer_mutex);
    database.writer_thread = std::this_thread::get_id();
  }
  try {
    if (write && database.batch) {
      if (batched) {
        txn = database.batch->begin_nested();
        nested = true;
        return;
      }
      // A store transaction of its own (settings, an import): the gathered commits first.
      database.batch->close();
    }
    int rc = mdb_txn_begin(database.env->env(), nullptr, write ? 0 : MDB_RDONLY, &txn);
    if (rc == MDB_MAP_RESIZED && !write) {
      // A read-only reader (StoreReader) whose writer in another process grew the map: take
      // the size the writer recorded, then begin again.
      engine::check_mdb(mdb_env_set_mapsize(database.env->env(), 0), "adopting the store's map size");
      rc = mdb_txn_begin(database.env->env(), nullptr, MDB_RDONLY, &txn);
    }
    engine::check_mdb(rc, write ? "beginning a write transaction" : "beginning a read transaction");
  } catch (...) {
    release_writer();
    throw;
  }
}

TxnState::~TxnState() { abort(); }

void TxnState::abort() {
  if (txn) mdb_txn_abort(txn);
  txn = nullptr;
  if (nested) {
    nested = false;
    db->batch->end_nested(false, 0, 0);
  }
  open = false;
  release_writer();
}

void TxnState::commit_store(std::string_view what) {
  MDB_txn* committing = txn;
  txn = nullptr;  // freed by mdb_txn_commit whatever it returns
  engine::check_mdb_write(mdb_txn_commit(committing), what, db->env->env());
}

void TxnState::release_writer() {
  if (!writer_lock.owns_lock()) return;
  db->writer_thread = std::thread::id();
  writer_lock.unlock();
}

}  // namespace detail

namespace {

detail::TxnState& live(const std::unique_ptr<detail::TxnState>& state) {
  if (!state || !state->open)
    throw Error(ErrorCode::kTransactionClosed, "the transaction is already committed or aborted");
  return *state;
}

// A write transaction that may still change: not closed, and not failed half-way.
detail::TxnState& writable(const std::unique_ptr<detail::TxnState>& state) {
  auto& s = live(state);
  if (s.failed)
    throw Error(ErrorCode::kTransactionClosed,
                "an earlier write of this transaction failed half-way; it can only be aborted");
  return s;
}

// Every write method applies its operation to the store first, then appends the operation's
// redo record with this: a change the store refuses (a missing node, a key taken) throws
// before anything of it reaches the log.
template <auto Encode, typename... Args>
void log_applied(detail::TxnState& s, const Args&... args) {
  ByteWriter w(s.ops);
  Encode(w, args...);
  ++s.op_count;
}

template <typename Id, typename Fn>
std::vector<Id> collect_prefix(detail::TxnState& s, MDB_dbi dbi, const std::string& prefix, Fn&& id_of) {
  std::vector<Id> out;
  engine::Cursor c(s.txn, dbi);
  for (bool ok = c.seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.next())
    out.push_back(id_of(c.key()));
  return out;
}

const engine::KeyDef& key_for(detail::TxnState& s, EntityKind kind, std::string_view label, const Properties& key) {
  for (const auto& def : engine::schema(s)) {
    const auto& c = def.constraint;
    if (c.kind != kind || c.label_or_type != label || c.properties.size() != key.size()) continue;
    bool all = true;
    for (const auto& p : c.properties) all = all && key.count(p) == 1;
    if (all) return def;
  }
  std::string names;
  for (const auto& [k, v] : key) names += (names.empty() ? "" : ", ") + k;
  throw Error(ErrorCode::kNotFound, fmt::format("there is no key constraint on {} with the properties ({})", label, names));
}

std::optional<std::uint64_t> find_by_key(detail::TxnState& s, EntityKind kind, std::string_view label,
                                         const Properties& key) {
  const auto& def = key_for(s, kind, label, key);
  auto bytes = engine::key_bytes(def, key);
  if (!bytes) return std::nullopt;
  auto id = engine::mdb_get(s.txn, s.db->env->tables().key_index, *bytes);
  if (!id) return std::nullopt;
  return engine::read_be64(*id);
}

}  // namespace

TransactionView::TransactionView(std::unique_ptr<detail::TxnState> state) : state_(std::move(state)) {}
TransactionView::TransactionView(TransactionView&&) noexcept = default;
TransactionView& TransactionView::operator=(TransactionView&&) noexcept = default;
TransactionView::~TransactionView() = default;
const detail::TxnState& TransactionView::state() const { return live(state_); }

std::optional<Node> TransactionView::get_node(NodeId id) const { return engine::load_node(live(state_), id.value); }

std::optional<Relationship> TransactionView::get_relationship(RelationshipId id) const {
  return engine::load_relationship(live(state_), id.value);
}

std::vector<NodeId> TransactionView::nodes_with_label(std::string_view label) const {
  auto& s = live(state_);
  auto token = s.tokens.find(TokenKind::kLabel, label);
  if (!token) return {};
  std::string prefix;
  engine::append_be32(prefix, *token);
  return collect_prefix<NodeId>(s, s.db->env->tables().label_index, prefix,
                                [](std::string_view k) { return NodeId{engine::read_be64(k.substr(4))}; });
}

std::vector<RelationshipId> TransactionView::relationships_of(NodeId node, Direction direction,
                                                              std::string_view type) const {
  auto& s = live(state_);
  std::optional<std::uint32_t> type_token;
  if (!type.empty()) {
    type_token = s.tokens.find(TokenKind::kType, type);
    if (!type_token) return {};
  }
  std::vector<RelationshipId> out;
  for (std::uint8_t dir = 0; dir < 2; ++dir) {
    if ((direction == Direction::kOutgoing && dir == 1) || (direction == Direction::kIncoming && dir == 0)) continue;
    std::string prefix;
    engine::append_be64(prefix, node.value);
    prefix.push_back(static_cast<char>(dir));
    if (type_token) engine::append_be32(prefix, *type_token);
    auto part = collect_prefix<RelationshipId>(s, s.db->env->tables().adjacency, prefix, [](std::string_view k) {
      return RelationshipId{engine::read_be64(k.substr(13))};
    });
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::optional<NodeId> TransactionView::find_node(std::string_view label, const Properties& key) const {
  auto id = find_by_key(live(state_), EntityKind::kNode, label, key);
  if (!id) return std::nullopt;
  return NodeId{*id};
}

std::optional<RelationshipId> TransactionView::find_relationship(std::string_view type, const Properties& key) const {
  auto id = find_by_key(live(state_), EntityKind::kRelationship, type, key);
  if (!id) return std::nullopt;
  return RelationshipId{*id};
}

std::vector<KeyConstraint> TransactionView::key_constraints() const {
  std::vector<KeyConstraint> out;
  for (const auto& def : engine::schema(live(state_))) out.push_back(def.constraint);
  return out;
}

std::uint64_t TransactionView::node_count() const {
  auto& s = live(state_);
  auto stored = engine::read_meta_u64(s.txn, s.db->env->tables(), engine::kMetaNodeCount);
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(stored) + s.node_delta);
}

std::uint64_t TransactionView::relationship_count() const {
  auto& s = live(state_);
  auto stored = engine::read_meta_u64(s.txn, s.db->env->tables(), engine::kMetaRelationshipCount);
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(stored) + s.relationship_delta);
}

void TransactionView::for_each_node(const std::function<bool(const Node&)>& fn) const {
  auto& s = live(state_);
  engine::Cursor c(s.txn, s.db->env->tables().nodes);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto node = engine::load_node(s, engine::read_be64(c.key()));
    if (node && !fn(*node)) return;
  }
}

void TransactionView::for_each_relationship(const std::function<bool(const Relationship&)>& fn) const {
  auto& s = live(state_);
  engine::Cursor c(s.txn, s.db->env->tables().relationships);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto rel = engine::load_relationship(s, engine::read_be64(c.key()));
    if (rel && !fn(*rel)) return;
  }
}

void TransactionView::for_each_node(NodeId from, const std::function<bool(const Node&)>& fn) const {
  auto& s = live(state_);
  engine::Cursor c(s.txn, s.db->env->tables().nodes);
  std::string key;
  engine::append_be64(key, from.value);
  for (bool ok = c.seek(key); ok; ok = c.next()) {
    auto node = engine::load_node(s, engine::read_be64(c.key()));
    if (node && !fn(*node)) return;
  }
}

void TransactionView::for_each_relationship(RelationshipId from,
                                            const std::function<bool(const Relationship&)>& fn) const {
  auto& s = live(state_);
  engine::Cursor c(s.txn, s.db->env->tables().relationships);
  std::string key;
  engine::append_be64(key, from.value);
  for (bool ok = c.seek(key); ok; ok = c.next()) {
    auto rel = engine::load_relationship(s, engine::read_be64(c.key()));
    if (rel && !fn(*rel)) return;
  }
}

std::uint64_t TransactionView::last_applied_tx() const {
  auto& s = live(state_);
  return engine::read_meta_u64(s.txn, s.db->env->tables(), engine::kMetaLastAppliedTx);
}

ReadTransaction::~ReadTransaction() = default;

WriteTransaction::~WriteTransaction() = default;

// Each mutation runs the engine operation (which validates before it writes) and then logs it.
NodeId WriteTransaction::create_node(const std::vector<std::string>& labels, const Properties& properties) {
  return create_node_with_id(NodeId{writable(state_).next_node_id}, labels, properties);
}

NodeId WriteTransaction::create_node_with_id(NodeId wanted, const std::vector<std::string>& labels,
                                             const Properties& properties) {
  auto& s = writable(state_);
  std::uint64_t id = wanted.value;
  if (id < s.next_node_id)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("node id {} was already handed out in this database (the next free one is {}): ids are "
                            "never reused",
                            element_id(wanted), element_id(NodeId{s.next_node_id})));
  engine::create_node(s, id, labels, properties);
  log_applied<txlog::encode_create_node>(s, id, labels, properties);
  return NodeId{id};
}

void WriteTransaction::delete_node(NodeId id, bool detach) {
  auto& s = writable(state_);
  if (detach) {
    if (!engine::load_node(s, id.value))
      throw Error(ErrorCode::kNotFound, fmt::format("node {} does not exist", element_id(id)));
    // Logged as separate relationship deletes, so replay and change capture see each one.
    for (auto rel : relationships_of(id, Direction::kBoth)) {
      if (engine::load_relationship(s, rel.value)) delete_relationship(rel);  // a self-loop is listed twice
    }
  }
  engine::delete_node(s, id.value);
  log_applied<txlog::encode_delete>(s, OpCode::kDeleteNode, id.value);
}

void WriteTransaction::set_node_properties(NodeId id, const Properties& properties) {
  auto& s = writable(state_);
  engine::set_node_properties(s, id.value, properties);
  log_applied<txlog::encode_set_properties>(s, OpCode::kSetNodeProperties, id.value, properties);
}

void WriteTransaction::remove_node_properties(NodeId id, const std::vector<std::string>& keys) {
  auto& s = writable(state_);
  engine::remove_node_properties(s, id.value, keys);
  log_applied<txlog::encode_names>(s, OpCode::kRemoveNodeProperties, id.value, keys);
}

void WriteTransaction::add_labels(NodeId id, const std::vector<std::string>& labels) {
  auto& s = writable(state_);
  engine::add_labels(s, id.value, labels);
  log_applied<txlog::encode_names>(s, OpCode::kAddLabels, id.value, labels);
}

void WriteTransaction::remove_labels(NodeId id, const std::vector<std::string>& labels) {
  auto& s = writable(state_);
  engine::remove_labels(s, id.value, labels);
  log_applied<txlog::encode_names>(s, OpCode::kRemoveLabels, id.value, labels);
}

RelationshipId WriteTransaction::create_relationship(std::string_view type, NodeId start, NodeId end,
                                                     const Properties& properties) {
  return create_relationship_with_id(RelationshipId{writable(state_).next_relationship_id}, type, start, end,
                                     properties);
}

RelationshipId WriteTransaction::create_relationship_with_id(RelationshipId wanted, std::string_view type,
                                                             NodeId start, NodeId end, const Properties& properties) {
  auto& s = writable(state_);
  std::uint64_t id = wanted.value;
  if (id < s.next_relationship_id)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("relationship id {} was already handed out in this database (the next free one is {}): "
                            "ids are never reused",
                            element_id(wanted), element_id(RelationshipId{s.next_relationship_id})));
  engine::create_relationship(s, id, type, start.value, end.value, properties);
  log_applied<txlog::encode_create_relationship>(s, id, type, start.value, end.value, properties);
  return RelationshipId{id};
}

void WriteTransaction::delete_relationship(RelationshipId id) {
  auto& s = writable(state_);
  engine::delete_relationship(s, id.value);
  log_applied<txlog::encode_delete>(s, OpCode::kDeleteRelationship, id.value);
}

void WriteTransaction::set_relationship_properties(RelationshipId id, const Properties& properties) {
  auto& s = writable(state_);
  engine::set_relationship_properties(s, id.value, properties);
  log_applied<txlog::encode_set_properties>(s, OpCode::kSetRelationshipProperties, id.value, properties);
}

void WriteTransaction::remove_relationship_properties(RelationshipId id, const std::vector<std::string>& keys) {
  auto& s = writable(state_);
  engine::remove_relationship_properties(s, id.value, keys);
  log_applied<txlog::encode_names>(s, OpCode::kRemoveRelationshipProperties, id.value, keys);
}

void WriteTransaction::create_key(const KeyConstraint& constraint) {
  auto& s = writable(state_);
  engine::create_key(s, constraint);
  log_applied<txlog::encode_key>(s, OpCode::kCreateKey, static_cast<std::uint8_t>(constraint.kind),
                                 constraint.label_or_type, constraint.properties);
}

void WriteTransaction::drop_key(const KeyConstraint& constraint) {
  auto& s = writable(state_);
  engine::drop_key(s, constraint);
  log_applied<txlog::encode_key>(s, OpCode::kDropKey, static_cast<std::uint8_t>(constraint.kind),
                                 constraint.label_or_type, constraint.properties);
}

void WriteTransaction::abort() {
  if (state_) state_->abort();
}

}  // namespace txgraph
