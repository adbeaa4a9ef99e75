// Reading back what a topic holds of a database's stream (connect/published_tail.h).
#include "connect/published_tail.h"

#include <map>
#include <tuple>
#include <vector>

#include "cdc/change_id.h"
#include "connect/stream_message.h"

namespace txgraph::connect {

namespace {

// The first read takes this many messages from each partition's end; a partition whose window
// does not reach back to the newest batch's beginning is read again, four times as far.
constexpr std::int64_t kFirstWindow = 256;

struct Seen {
  StreamHeaders headers;
  PositionKey key;  // of the change; unset for an import
  bool change_at_or_before(const PositionKey& p) const { return !headers.is_import() && key <= p; }
};

// A transaction (or group of snapshot events) as the tail shows it.
struct ShownUnit {
  std::uint32_t events = 0;  // how many it has
  std::set<PositionKey> shown;
  PositionKey last;
  std::string last_id;
  bool whole() const { return shown.size() == events; }
};

// The position after the longest run of whole units from `previous` on, each following the
// one before ("" when the first is not whole). Of two whole units after the same position (a
// snapshot group read twice, both shown by a broker that shows aborted transactions), the one
// read later, whose transaction is the larger.
std::string whole_run(const std::vector<std::vector<Seen>>& seen, const PositionKey& batch, std::string previous) {
  // By the position they follow, their transaction and their size: two attempts at a group of
  // snapshot events read at one transaction may have grouped them differently.
  std::map<std::tuple<std::string, std::uint64_t, std::uint32_t>, ShownUnit> units;
  for (const auto& list : seen)
    for (const auto& s : list) {
      if (s.headers.is_import() || s.key <= batch) continue;
      ShownUnit& unit = units[{s.headers.previous, s.headers.tx_id, s.headers.tx_events}];
      unit.events = s.headers.tx_events;
      unit.shown.insert(s.key);
      if (unit.last_id.empty() || unit.last < s.key) {
        unit.last = s.key;
        unit.last_id = s.headers.change_id;
      }
    }
  std::string reached;
  for (;;) {
    const ShownUnit* next = nullptr;
    for (auto it = units.lower_bound({previous, 0, 0}); it != units.end() && std::get<0>(it->first) == previous; ++it)
      if (it->second.whole()) next = &it->second;
    if (!next) return reached;
    reached = position_after_transaction(next->last_id);
    previous = reached;
  }
}

}  // namespace

PublishedTail read_published_tail(rd_kafka_t* reader, const KafkaConnection& kafka, int partitions,
                                  const std::string& database_uuid) {
  std::vector<std::int64_t> low(partitions), high(partitions), window(partitions, kFirstWindow);
  for (int p = 0; p < partitions; ++p) std::tie(low[p], high[p]) = partition_offsets(reader, kafka, p);
  for (;;) {
    PublishedTail tail;
    std::vector<std::vector<Seen>> seen(partitions);
    for (int p = 0; p < partitions; ++p) {
      std::int64_t from = std::max(low[p], high[p] - window[p]);
      read_partition_range(reader, kafka, p, from, high[p], [&](TopicMessage&& m) {
        ++tail.messages_read;
        std::string why;
        auto headers = parse_stream_headers(m, &why);
        if (!headers || headers->database != database_uuid) return;
        Seen s{std::move(*headers), {}};
        if (!s.headers.is_import()) s.key = position_key(s.headers.change_id);
        seen[p].push_back(std::move(s));
      });
    }
    PositionKey newest;  // the newest change seen (keys read once, when the message was)
    for (const auto& list : seen) {
      for (const auto& s : list) {
        if (!tail.found || position_before(tail.batch, s.headers.batch)) {
          tail.batch = s.headers.batch;
          tail.batch_previous = s.headers.batch_previous;
        }
        if (!s.headers.is_import() && (tail.last_transaction.empty() || newest < s.key)) {
          newest = s.key;
          tail.last_transaction = position_after_transaction(s.headers.change_id);
        }
        tail.found = true;
      }
    }
    if (!tail.found && std::all_of(window.begin(), window.end(), [&, p = 0](std::int64_t w) mutable {
          bool whole = high[p] - w <= low[p];
          ++p;
          return whole;
        }))
      return tail;
    bool widened = false;
    PositionKey batch;
    if (tail.found) batch = position_key(tail.batch);
    for (int p = 0; p < partitions; ++p) {
      if (high[p] - window[p] <= low[p]) continue;  // read from its beginning already
      bool reaches_back = tail.found && std::any_of(seen[p].begin(), seen[p].end(),
                                                    [&](const Seen& s) { return s.change_at_or_before(batch); });
      if (!reaches_back) {
        window[p] *= 4;
        widened = true;
      }
    }
    if (widened) continue;
    bool snapshot = false;
    for (const auto& list : seen) {
      for (const auto& s : list) {
        if (s.headers.is_import()) {
          tail.imports.insert(s.headers.import_number);
        } else if (!s.change_at_or_before(batch)) {
          tail.changes.insert(s.key);
          snapshot = snapshot || s.key.in_snapshot();
        }
      }
    }
    // Also when the batch began inside the snapshot and all it shows is after it (its last event
    // has a stream position): read again from the batch's beginning, the snapshot would differ.
    if (snapshot || batch.in_snapshot()) tail.whole_to = whole_run(seen, batch, tail.batch_previous);
    return tail;
  }
}

}  // namespace txgraph::connect
