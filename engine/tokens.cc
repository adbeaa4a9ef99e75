#include "engine/tokens.h"

#include <mutex>

#include <fmt/format.h>

#include "txgraph/error.h"

namespace txgraph::engine {

namespace {
constexpr std::string_view kNextTokenKey = "next_token_id";

std::string id_key(TokenKind kind, std::string_view name) {
  std::string k(1, static_cast<char>(kind));
  k.append(name);
  return k;
}

std::string name_key(TokenKind kind, std::uint32_t id) {
  std::string k(1, static_cast<char>(kind));
  append_be32(k, id);
  return k;
}
}  // namespace

void TokenCache::load(MDB_txn* txn, const Tables& tables) {
  std::unique_lock lock(mutex_);
  Cursor c(txn, tables.token_names);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto key = c.key();
    if (key.size() != 5) throw Error(ErrorCode::kCorruption, "the store's token table holds a malformed key");
    auto kind = static_cast<std::uint8_t>(key[0]);
    if (kind < 1 || kind > 3) throw Error(ErrorCode::kCorruption, "the store's token table holds an unknown kind");
    std::uint32_t id = read_be32(key.substr(1));
    std::string name(c.value());
    tables_[kind].ids[name] = id;
    tables_[kind].names[id] = std::move(name);
  }
}

std::optional<std::uint32_t> TokenCache::id(TokenKind kind, std::string_view name) const {
  std::shared_lock lock(mutex_);
  const auto& t = tables_[static_cast<int>(kind)];
  auto it = t.ids.find(name);
  if (it == t.ids.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> TokenCache::name(TokenKind kind, std::uint32_t id) const {
  std::shared_lock lock(mutex_);
  const auto& t = tables_[static_cast<int>(kind)];
  auto it = t.names.find(id);
  if (it == t.names.end()) return std::nullopt;
  return it->second;
}

void TokenCache::publish(TokenKind kind, std::uint32_t id, const std::string& name) {
  std::unique_lock lock(mutex_);
  auto& t = tables_[static_cast<int>(kind)];
  t.ids[name] = id;
  t.names[id] = name;
}

std::optional<std::uint32_t> TxnTokens::find(TokenKind kind, std::string_view name) const {
  // A transaction uses few names, again and again: remembering them here spares the shared
  // cache's lock on every property of every entity.
  for (const auto& m : recent_) {
    if (m.kind == kind && m.name == name) return m.id;
  }
  for (const auto& p : pending_) {
    if (p.kind == kind && p.name == name) return p.id;
  }
  auto id = cache_.id(kind, name);
  if (id && recent_.size() < kRecentNames) recent_.push_back({kind, *id, std::string(name)});
  return id;
}

std::uint32_t TxnTokens::get_or_create(MDB_txn* txn, TokenKind kind, std::string_view name) {
  if (auto id = find(kind, name)) return *id;
  if (next_id_ == 0) {
    auto stored = mdb_get(txn, tables_.meta, kNextTokenKey);
    next_id_ = stored ? read_be32(*stored) : 1;
  }
  std::uint32_t id = next_id_++;
  std::string next;
  append_be32(next, next_id_);
  mdb_put_value(txn, tables_.meta, kNextTokenKey, next);
  mdb_put_value(txn, tables_.token_ids, id_key(kind, name), name_key(kind, id).substr(1));
  mdb_put_value(txn, tables_.token_names, name_key(kind, id), name);
  pending_.push_back({kind, id, std::string(name)});
  return id;
}

std::string TxnTokens::name(TokenKind kind, std::uint32_t id) const {
  if (auto n = cache_.name(kind, id)) return *n;
  for (const auto& p : pending_) {
    if (p.kind == kind && p.id == id) return p.name;
  }
  throw Error(ErrorCode::kCorruption, fmt::format("the store refers to token {} of kind {}, which does not exist", id,
                                                  static_cast<int>(kind)));
}

void TxnTokens::publish() {
  for (const auto& p : pending_) cache_.publish(p.kind, p.id, p.name);
  pending_.clear();
}

}  // namespace txgraph::engine
