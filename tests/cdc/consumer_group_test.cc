// Consumer groups: start locations, commit modes and what survives a consumer's crash,
// independence of groups, holds on retention and lost groups, reset and delete.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "cdc/change_id.h"
#include "cdc_test_support.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"

namespace txgraph {
namespace {

using testing::TestDir;

std::uint64_t add_person(Database& db, int id, std::size_t pad = 0) {
  auto tx = db.begin_write({"app", "", {}});
  Properties p{{"id", Value(id)}};
  if (pad) p["pad"] = Value(testing::noise(pad, static_cast<std::uint64_t>(id)));
  tx.create_node({"Person"}, p);
  return tx.commit();
}

std::vector<std::int64_t> ids_of(const std::vector<ChangeEvent>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) {
    const auto& state = e.after ? *e.after : *e.before;
    auto it = state.properties.find("id");
    out.push_back(it == state.properties.end() ? -1 : it->second.as_int());
  }
  return out;
}

using testing::error_of;

ConsumerGroupOptions manual(StartLocation start = StartLocation::earliest()) {
  ConsumerGroupOptions o;
  o.start = std::move(start);
  o.auto_commit = false;
  return o;
}

TEST(ConsumerGroup, StartsAtEachStartLocation) {
  TestDir dir;
  auto db = Database::open(dir.path(), testing::capture_options());
  ChangeStream stream(*db);
  add_person(*db, 1);
  add_person(*db, 2);
  std::string after_two = stream.current();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  add_person(*db, 3);

  create_consumer_group(stream, "from-earliest", manual(StartLocation::earliest()));
  create_consumer_group(stream, "from-latest", manual(StartLocation::latest()));
  create_consumer_group(stream, "from-time", manual(StartLocation::at_time(now_ms)));
  create_consumer_group(stream, "from-id", manual(StartLocation::after(after_two)));
  create_consumer_group(stream, "from-future-time", manual(StartLocation::at_time(now_ms + 3600 * 1000)));
  add_person(*db, 4);

  auto polled = [&](const char* group) { return ids_of(Consumer(stream, group).poll(100).events); };
  EXPECT_EQ(polled("from-earliest"), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(polled("from-latest"), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(polled("from-time"), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(polled("from-id"), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(polled("from-future-time"), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(parse_start_location("2026-11-21T10:00:00.250Z").time_ms, 1795255200250);
  EXPECT_EQ(error_of([] { parse_start_location("yesterday"); }), ErrorCode::kInvalidArgument);
  // The same grammar as every other time txgraph reads (txlog/text_formats.h): a date alone,
  // and a date that is not one refused with the reason rather than carried into March.
  EXPECT_EQ(parse_start_location("2026-11-21").time_ms, 1795219200000);
  EXPECT_EQ(error_of([] { parse_start_location("2026-02-30T00:00:00Z"); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { create_consumer_group(stream, "bad id", {}); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { create_consumer_group(stream, "from-latest", {}); }), ErrorCode::kInvalidArgument);
  ConsumerGroupOptions bad_selector;
  bad_selector.selectors = {R"({"select":"n","colour":"red"})"};
  EXPECT_EQ(error_of([&] { create_consumer_group(stream, "g", bad_selector); }), ErrorCode::kCdcInvalidSelector);
}

TEST(ConsumerGroup, SelectorsAndBatchesWithCounts) {
  TestDir dir;
  auto db = Database::open(dir.path(), testing::capture_options());
  ChangeStream stream(*db);
  ConsumerGroupOptions options = manual();
  options.selectors = {R"({"select":"n","labels":["Person"],"operation":"c"})"};
  create_consumer_group(stream, "people", options);
  for (int i = 1; i <= 5; ++i) add_person(*db, i);
  {
    auto tx = db->begin_write();
    tx.create_node({"Other"}, {{"id", Value(99)}});
    tx.commit();
  }
  Consumer consumer(stream, "people");
  auto first = consumer.poll(3);
  EXPECT_EQ(ids_of(first.events), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(first.counts.creates, 3u);
  auto second = consumer.poll(3);
  EXPECT_EQ(ids_of(second.events), (std::vector<std::int64_t>{4, 5}));
  EXPECT_TRUE(consumer.poll(3).empty());
  EXPECT_EQ(error_of([&] { consumer.poll(0); }), ErrorCode::kInvalidArgument);
}

// A consumer that dies before it commits: the next consumer of the group gets the same changes;
// one that dies after committing: they are not delivered again.
// With kAsync a reader sees commits before their sync. A group must not store a position in
// changes a power cut could still take back: its commit syncs the log first.
TEST(ConsumerGroup, ACommitUnderAsyncDurabilityMakesTheChangesItCoversDurableFirst) {
  TestDir dir;
  Options options = testing::capture_options();
  options.durability = Durability::kAsync;
  options.async_sync_interval = std::chrono::hours(1);  // no flusher: only the group syncs
  auto db = Database::open(dir.path(), options);
  ChangeStream stream(*db);
  create_consumer_group(stream, "g", manual());
  for (int i = 1; i <= 3; ++i) add_person(*db, i);
  Consumer consumer(stream, "g");
  auto batch = consumer.poll(10);
  ASSERT_EQ(batch.events.size(), 3u);
  std::uint64_t syncs = db->status().log_syncs;
  batch.commit();
  EXPECT_GT(db->status().log_syncs, syncs) << "the position was stored before its changes were durable";
  // Nothing new to make durable: a second commit of the same position syncs nothing more.
  syncs = db->status().log_syncs;
  consumer.commit(batch.position);
  EXPECT_EQ(db->status().log_syncs, syncs);
}

TEST(ConsumerGroup, ACrashBeforeCommitRedeliversAndAfterCommitDoesNot) {
  TestDir dir;
  auto db = Database::open(dir.path(), testing::capture_options());
  ChangeStream stream(*db);
  create_consumer_group(stream, "g", manual());
  for (int i = 1; i <= 4; ++i) add_person(*db, i);

  auto die_in_child = [&](bool commit) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int code = 0;
      try {
        auto child_stream = ChangeStream::open_log(dir.path());
        Consumer consumer(child_stream, "g");
        auto batch = consumer.poll(2);
        code = batch.events.size() == 2 ? 0 : 3;
        if (commit) batch.commit();
      } catch (...) {
        code = 4;
      }
      ::_exit(code);  // no destructors, no close: as if killed
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  ASSERT_EQ(die_in_child(false), 0);
  {
    Consumer consumer(stream, "g");
    EXPECT_EQ(ids_of(consumer.poll(2).events), (std::vector<std::int64_t>{1, 2})) << "uncommitted changes lost";
  }
  ASSERT_EQ(die_in_child(true), 0);
  {
    Consumer consumer(stream, "g");
    EXPECT_EQ(ids_of(consumer.poll(10).events), (std::vector<std::int64_t>{3, 4})) << "committed changes redelivered";
  }
}

TEST(ConsumerGroup, AutomaticCommitCommitsABatchAtTheNextPollAndAtClose) {
  TestDir dir;
  auto db = Database::open(dir.path(), testing::capture_options());
  ChangeStream stream(*db);
  ConsumerGroupOptions options;
  options.start = StartLocation::earliest();
  create_consumer_group(stream, "auto", options);
  for (int i = 1; i <= 3; ++i) add_person(*db, i);
  std::string start = consumer_group(stream, "auto").position;
  {
    Consumer consumer(stream, "auto");
    auto batch = consumer.poll(1);
    EXPECT_EQ(consumer_group(stream, "auto").position, start) << "committed before it was handled";
    consumer.poll(1);
    EXPECT_EQ(consumer_group(stream, "auto").position, batch.position);
    consumer.close();  // commits the second batch
  }
  Consumer consumer(stream, "auto");
  EXPECT_EQ(ids_of(consumer.poll(10).events), (std::vector<std::int64_t>{3}));
}

// A handler that throws unwinds the consumer: the batch it did not finish is not committed.
TEST(ConsumerGroup, AConsumerDestroyedByAnExceptionCommitsNothing) {
  TestDir dir;
  auto db = Database::open(dir.path(), testing::capture_options());
  ChangeStream stream(*db);
  ConsumerGroupOptions options;
  options.start = StartLocation::earliest();
  create_consumer_group(stream, "auto", options);
  for (int i = 1; i <= 4; ++i) add_person(*db, i);
  try {
    Consumer consumer(stream, "auto");
    consumer.poll(2);
    consumer.poll(2);  // commits the first batch: it was handled
    throw std::runtime_error("the handler failed on the second batch");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(ids_of(Consumer(stream, "auto").poll(10).events), (std::vector<std::int64_t>{3, 4}))
      << "the unhandled batch was committed by the unwinding";
}

TEST(ConsumerGroup, ACommittedPositionIsCheckedAgainstTheLog) {
  TestDir dir;
  auto db = Database::open(dir.path(), testing::capture_options());
  ChangeStream stream(*db);
  create_consumer_group(stream, "g", manual());
  add_person(*db, 1);
  add_person(*db, 2);
  auto real = cdc::decode_change_id(stream.current());
  real.commit_time_us += 1;  // the right transaction, the wrong commit time: not from this log
  Consumer consumer(stream, "g");
  EXPECT_EQ(error_of([&] { consumer.commit(cdc::encode_change_id(real)); }), ErrorCode::kCdcMismatch);
  EXPECT_EQ(ids_of(consumer.poll(10).events), (std::vector<std::int64_t>{1, 2})) << "a refused commit moved the group";
}

TEST(ConsumerGroup, GroupsAreIndependentAndSurviveReopen) {
  TestDir dir;
  {
    auto db = Database::open(dir.path(), testing::capture_options());
    ChangeStream stream(*db);
    create_consumer_group(stream, "a", manual());
    create_consumer_group(stream, "b", manual());
    for (int i = 1; i <= 4; ++i) add_person(*db, i);
    Consumer a(stream, "a");
    a.poll(3);
    a.commit();
    Consumer b(stream, "b");
    b.poll(1);
    b.commit();
  }
  auto db = Database::open(dir.path(), testing::capture_options());
  ChangeStream stream(*db);
  add_person(*db, 5);
  EXPECT_EQ(ids_of(Consumer(stream, "a").poll(10).events), (std::vector<std::int64_t>{4, 5}));
  EXPECT_EQ(ids_of(Consumer(stream, "b").poll(10).events), (std::vector<std::int64_t>{2, 3, 4, 5}));
  auto groups = list_consumer_groups(stream, true);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "a");
  EXPECT_EQ(groups[0].lag_changes, 2u);
  EXPECT_EQ(groups[1].lag_changes, 4u);
  EXPECT_GT(*groups[1].lag_bytes, 0u);
}

TEST(ConsumerGroup, OneConsumerPerGroupAtATime) {
  TestDir dir;
  auto db = Database::open(dir.path(), testing::capture_options());
  ChangeStream stream(*db);
  create_consumer_group(stream, "g", manual());
  Consumer first(stream, "g");
  EXPECT_EQ(error_of([&] { Consumer second(stream, "g"); }), ErrorCode::kLocked);
  EXPECT_EQ(error_of([&] { delete_consumer_group(stream, "g"); }), ErrorCode::kLocked);
  EXPECT_EQ(error_of([&] { reset_consumer_group(stream, "g", StartLocation::latest()); }), ErrorCode::kLocked);
  first.close();
  EXPECT_FALSE(error_of([&] { Consumer again(stream, "g"); }).has_value());
  EXPECT_EQ(error_of([&] { Consumer missing(stream, "nope"); }), ErrorCode::kNotFound);
}

TEST(ConsumerGroup, ResetRedeliversAndDeleteForgets) {
  TestDir dir;
  auto db = Database::open(dir.path(), testing::capture_options());
  ChangeStream stream(*db);
  create_consumer_group(stream, "g", manual());
  for (int i = 1; i <= 3; ++i) add_person(*db, i);
  {
    Consumer c(stream, "g");
    c.poll(10);
    c.commit();
    EXPECT_TRUE(c.poll(10).empty());
  }
  reset_consumer_group(stream, "g", StartLocation::earliest());
  EXPECT_EQ(ids_of(Consumer(stream, "g").poll(10).events), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_TRUE(delete_consumer_group(stream, "g"));
  EXPECT_FALSE(delete_consumer_group(stream, "g"));
  EXPECT_EQ(error_of([&] { Consumer c(stream, "g"); }), ErrorCode::kNotFound);
  EXPECT_TRUE(list_consumer_groups(stream).empty());
}

// A hold keeps what the group still needs through checkpoints under keep_none; a hold whose
// need passes its cap is lost, and says so, until it is reset.
TEST(ConsumerGroup, AHoldKeepsTheLogAndPastItsCapTheGroupIsLost) {
  TestDir dir;
  auto db = Database::open(dir.path(), testing::small_segments("keep_none"));
  ChangeStream stream(*db);
  ConsumerGroupOptions holding = manual();
  holding.hold_bytes = 64 * 1024 * 1024;
  create_consumer_group(stream, "holding", holding);
  ConsumerGroupOptions capped = manual();
  capped.hold_bytes = 8 * 1024;
  create_consumer_group(stream, "capped", capped);
  create_consumer_group(stream, "unheld", manual());
  for (int i = 1; i <= 60; ++i) add_person(*db, i, 400);
  ASSERT_GT(db->status().segments.size(), 4u);
  db->checkpoint();

  {
    Consumer holder(stream, "holding");
    auto all = holder.poll(1000).events;
    EXPECT_EQ(all.size(), 60u) << "a holding group lost changes to pruning";
    holder.commit();  // caught up: it lets the log go at the next checkpoint
  }
  auto groups = list_consumer_groups(stream);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_FALSE(groups[0].lost.empty()) << "capped: its need passed its cap";
  EXPECT_NE(groups[0].lost.find("hold cap"), std::string::npos) << groups[0].lost;
  EXPECT_TRUE(groups[1].lost.empty());
  EXPECT_EQ(error_of([&] { Consumer c(stream, "capped"); }), ErrorCode::kConsumerGroupLost);
  EXPECT_TRUE(groups[2].lost.empty()) << "the holding group kept the log for the others too";

  add_person(*db, 61, 400);
  db->checkpoint();
  EXPECT_GT(db->status().segments_pruned, 0u);
  EXPECT_EQ(Consumer(stream, "holding").poll(1000).events.size(), 1u);
  // The group without a hold learns it at its poll, and is marked lost for good.
  EXPECT_EQ(error_of([&] { Consumer(stream, "unheld").poll(10); }), ErrorCode::kConsumerGroupLost);
  EXPECT_FALSE(list_consumer_groups(stream)[2].lost.empty());

  reset_consumer_group(stream, "capped", StartLocation::earliest());
  EXPECT_FALSE(Consumer(stream, "capped").poll(1000).empty());
}

TEST(ConsumerGroup, AGroupLosesItsPlaceWhenEnrichmentIsSwitchedOffAndOn) {
  TestDir dir;
  auto db = Database::open(dir.path(), testing::capture_options());
  ChangeStream stream(*db);
  create_consumer_group(stream, "g", manual());
  add_person(*db, 1);
  db->set_enrichment(EnrichmentMode::kOff);
  add_person(*db, 2);
  db->set_enrichment(EnrichmentMode::kDiff);
  add_person(*db, 3);
  EXPECT_EQ(error_of([&] { Consumer(stream, "g").poll(10); }), ErrorCode::kConsumerGroupLost);
  reset_consumer_group(stream, "g", StartLocation::earliest());
  EXPECT_EQ(ids_of(Consumer(stream, "g").poll(10).events), (std::vector<std::int64_t>{3}));
}

TEST(ConsumerGroup, PollWaitsForACommit) {
  TestDir dir;
  auto db = Database::open(dir.path(), testing::capture_options());
  ChangeStream stream(*db);
  create_consumer_group(stream, "g", manual(StartLocation::latest()));
  Consumer consumer(stream, "g");
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    add_person(*db, 7);
  });
  auto batch = consumer.poll(10, std::chrono::seconds(10));
  writer.join();
  EXPECT_EQ(ids_of(batch.events), (std::vector<std::int64_t>{7}));
}

}  // namespace
}  // namespace txgraph
