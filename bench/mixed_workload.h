// The seeded mixed workload that the log-reading benchmarks (cdc_bench, log_dump_bench) write:
// each transaction runs 1-4 operations, each one of 50% create a node (1.25% of them labelled
// Rare, the rest Person; 4 properties), 25% update 1-2 properties of a live node, 20% create a
// KNOWS relationship, 5% detach-delete a node. 1% of transactions run as user "auditor" with
// txMetadata {"app":"audit"}, the rest as "app" with {"app":"crm"}.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "txgraph/database.h"

namespace txgraph::bench {

class MixedWorkload {
 public:
  // Node changes are ~80% of all changes, so this share of created nodes makes a selector on
  // the Rare label select about 1% of the changes.
  static constexpr double kRareShare = 0.0125;
  static constexpr std::uint64_t kAuditPercent = 1;  // of transactions, run as "auditor"

  explicit MixedWorkload(std::uint64_t seed) : rng_(seed) {}

  // The key constraints the workload's nodes fall under; once, before the first transaction.
  static void create_keys(Database& db) {
    auto tx = db.begin_write();
    tx.create_key({EntityKind::kNode, "Person", {"id"}});
    tx.create_key({EntityKind::kNode, "Rare", {"id"}});
    tx.commit();
  }

  // Runs and commits one transaction.
  void commit_one(Database& db) {
    bool audited = rng_() % 100 < kAuditPercent;
    audit_transactions += audited;
    auto tx = db.begin_write(audited ? audit_ : app_);
    std::uint64_t ops = 1 + rng_() % 4;
    for (std::uint64_t k = 0; k < ops; ++k) {
      std::uint64_t dice = rng_() % 100;
      if (dice < 50 || live_.size() < 2) {
        bool rare = unit() < kRareShare;
        rare_nodes += rare;
        std::int64_t id = ++next_id_;
        live_.push_back(tx.create_node({rare ? "Rare" : "Person"},
                                       {{"id", id},
                                        {"name", fmt::format("p{}", id)},
                                        {"age", static_cast<std::int64_t>(18 + rng_() % 80)},
                                        {"score", unit() * 100}}));
      } else if (dice < 75) {
        // New values that (almost surely) differ: DIFF records nothing for a value written back.
        Properties properties;
        std::uint64_t first = rng_() % 3, count = 1 + rng_() % 2;
        for (std::uint64_t p = first; p < first + count; ++p) {
          if (p % 3 == 0) properties["age"] = static_cast<std::int64_t>(18 + rng_() % 1000);
          if (p % 3 == 1) properties["score"] = unit() * 100;
          if (p % 3 == 2) properties["name"] = fmt::format("q{}", rng_() % 1000000);
        }
        tx.set_node_properties(live_[rng_() % live_.size()], properties);
      } else if (dice < 95) {
        std::size_t from = rng_() % live_.size();
        std::size_t to = (from + 1 + rng_() % (live_.size() - 1)) % live_.size();  // never a self-loop
        tx.create_relationship("KNOWS", live_[from], live_[to],
                               {{"since", static_cast<std::int64_t>(1990 + rng_() % 35)}});
      } else {
        std::size_t index = rng_() % live_.size();
        tx.delete_node(live_[index], /*detach=*/true);
        live_[index] = live_.back();
        live_.pop_back();
      }
      ++operations;
    }
    tx.commit();
    ++transactions;
  }

  std::uint64_t transactions = 0;
  std::uint64_t operations = 0;
  std::uint64_t rare_nodes = 0;
  std::uint64_t audit_transactions = 0;

 private:
  // Plain modulo of the generator's output rather than std::uniform_*_distribution, whose
  // results may differ between standard libraries: the workload is part of the benchmark.
  double unit() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

  std::mt19937_64 rng_;
  const TxInfo app_{"app", "", {{"app", "crm"}}};
  const TxInfo audit_{"auditor", "", {{"app", "audit"}}};
  std::vector<NodeId> live_;
  std::int64_t next_id_ = 0;
};

// A DIFF source of `transactions` transactions (kAsync), each 3 nodes and 2 relationships, for
// the benchmarks that replicate or publish a backlog.
inline void write_backlog(const std::filesystem::path& dir, int transactions) {
  Options o;
  o.durability = Durability::kAsync;
  o.initial_settings.enrichment = EnrichmentMode::kDiff;
  auto source = Database::open(dir, o);
  for (int i = 0; i < transactions; ++i) {
    auto tx = source->begin_write();
    auto a = tx.create_node({"Person"}, {{"i", Value(i)}, {"name", Value("someone")}});
    auto b = tx.create_node({"Person"}, {{"i", Value(i + 1)}});
    auto c = tx.create_node({"City"}, {{"name", Value("Oslo")}});
    tx.create_relationship("KNOWS", a, b, {{"since", Value(2020)}});
    tx.create_relationship("LIVES_IN", a, c, {});
    tx.commit();
  }
  source->close();
}

}  // namespace txgraph::bench
