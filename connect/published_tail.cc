// Reading back what a topic holds of a database's stream (connect/published_tail.h).
#include "connect/published_tail.h"

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
  bool change_at_or_before(const cdc::ChangePosition& p) const {
    if (headers.is_import()) return false;
    return headers.tx_id < p.tx_id || (headers.tx_id == p.tx_id && static_cast<std::int64_t>(headers.seq) <= p.seq);
  }
};

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
        seen[p].push_back({std::move(*headers)});
      });
    }
    for (const auto& list : seen) {
      for (const auto& s : list) {
        if (!tail.found || position_before(tail.batch, s.headers.batch)) {
          tail.batch = s.headers.batch;
          tail.batch_previous = s.headers.batch_previous;
        }
        if (!s.headers.is_import() &&
            (tail.last_transaction.empty() || position_before(tail.last_transaction, s.headers.change_id)))
          tail.last_transaction = position_after_transaction(s.headers.change_id);
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
    cdc::ChangePosition batch;
    if (tail.found) batch = cdc::decode_change_id(tail.batch);
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
    for (const auto& list : seen) {
      for (const auto& s : list) {
        if (s.headers.is_import())
          tail.imports.insert(s.headers.import_number);
        else if (!s.change_at_or_before(batch))
          tail.changes.insert({s.headers.tx_id, s.headers.seq});
      }
    }
    return tail;
  }
}

}  // namespace txgraph::connect
