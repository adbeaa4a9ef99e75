// Token dictionaries: labels, relationship types and property keys are stored as small
// integers; the names live once in the token tables.
//
// Tokens are never deleted, so a cache of committed tokens shared by all transactions is
// always right. A write transaction keeps the tokens it creates to itself until it commits.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/lmdb_env.h"

namespace txgraph::engine {

// Persistent format: never renumber.
enum class TokenKind : std::uint8_t { kLabel = 1, kType = 2, kPropertyKey = 3 };

class TokenCache {
 public:
  // Reads every committed token from the store; called at open.
  void load(MDB_txn* txn, const Tables& tables);
  std::optional<std::uint32_t> id(TokenKind kind, std::string_view name) const;
  std::optional<std::string> name(TokenKind kind, std::uint32_t id) const;
  void publish(TokenKind kind, std::uint32_t id, const std::string& name);

 private:
  // Lookups by string_view without building a std::string: this is on the commit path.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Table {
    std::unordered_map<std::string, std::uint32_t, NameHash, std::equal_to<>> ids;
    std::unordered_map<std::uint32_t, std::string> names;
  };
  mutable std::shared_mutex mutex_;
  Table tables_[4];
};

// The tokens seen by one transaction: the committed ones plus its own new ones.
class TxnTokens {
 public:
  TxnTokens(TokenCache& cache, const Tables& tables) : cache_(cache), tables_(tables) {}

  std::optional<std::uint32_t> find(TokenKind kind, std::string_view name) const;
  // Write transactions only: creates the token in the store if it is new.
  std::uint32_t get_or_create(MDB_txn* txn, TokenKind kind, std::string_view name);
  // Throws kCorruption if the store refers to a token that does not exist.
  std::string name(TokenKind kind, std::uint32_t id) const;
  // After the transaction committed: make its tokens visible to everyone.
  void publish();

 private:
  struct Pending {
    TokenKind kind;
    std::uint32_t id;
    std::string name;
  };
  static constexpr std::size_t kRecentNames = 16;
  TokenCache& cache_;
  const Tables& tables_;
  std::vector<Pending> pending_;
  mutable std::vector<Pending> recent_;  // committed tokens this transaction looked up
  std::uint32_t next_id_ = 0;  // loaded from the store on first creation
};

}  // namespace txgraph::engine
