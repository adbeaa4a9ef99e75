#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "test_dir.h"
#include "txgraph/txgraph.h"

namespace txgraph {
namespace {

using testing::TestDir;

Options quick_options() {
  Options o;
  o.durability = Durability::kAsync;
  return o;
}

TEST(Database, CreatesReadsAndReopens) {
  TestDir dir;
  NodeId ann, bob;
  RelationshipId knows;
  {
    auto db = Database::open(dir.path(), quick_options());
    auto tx = db->begin_write({"alice", "", {{"app", Value("crm")}}});
    ann = tx.create_node({"Person"}, {{"name", Value("Ann")}, {"age", Value(31)}});
    bob = tx.create_node({"Person", "Admin"}, {{"name", Value("Bob")}});
    knows = tx.create_relationship("KNOWS", ann, bob, {{"since", Value(2020)}});
    EXPECT_EQ(tx.commit(), 1u);
  }
  auto db = Database::open(dir.path(), quick_options());
  auto rd = db->begin_read();
  auto node = rd.get_node(bob);
  ASSERT_TRUE(node);
  EXPECT_EQ(node->labels, (std::vector<std::string>{"Admin", "Person"}));
  EXPECT_EQ(node->properties.at("name"), Value("Bob"));
  auto rel = rd.get_relationship(knows);
  ASSERT_TRUE(rel);
  EXPECT_EQ(rel->type, "KNOWS");
  EXPECT_EQ(rel->start, ann);
  EXPECT_EQ(rel->end, bob);
  EXPECT_EQ(rd.nodes_with_label("Person"), (std::vector<NodeId>{ann, bob}));
  EXPECT_EQ(rd.relationships_of(ann, Direction::kOutgoing), (std::vector<RelationshipId>{knows}));
  EXPECT_TRUE(rd.relationships_of(ann, Direction::kIncoming).empty());
  EXPECT_EQ(rd.relationships_of(bob, Direction::kIncoming, "KNOWS"), (std::vector<RelationshipId>{knows}));
  EXPECT_TRUE(rd.relationships_of(bob, Direction::kIncoming, "LIKES").empty());
  EXPECT_EQ(rd.node_count(), 2u);
  EXPECT_EQ(rd.relationship_count(), 1u);
  EXPECT_EQ(db->status().last_committed_tx, 1u);
}

TEST(Database, ElementIdsAreNeverReused) {
  TestDir dir;
  NodeId first;
  {
    auto db = Database::open(dir.path(), quick_options());
    auto tx = db->begin_write();
    first = tx.create_node({"A"}, {});
    tx.commit();
    auto del = db->begin_write();
    del.delete_node(first);
    del.commit();
  }
  auto db = Database::open(dir.path(), quick_options());
  auto tx = db->begin_write();
  NodeId second = tx.create_node({"A"}, {});
  tx.commit();
  EXPECT_GT(second.value, first.value);
  EXPECT_EQ(element_id(second), "n:" + std::to_string(second.value));
  EXPECT_EQ(parse_node_element_id(element_id(second)), second);
  EXPECT_FALSE(parse_node_element_id("r:1"));
  EXPECT_FALSE(parse_node_element_id("n:"));
  EXPECT_FALSE(parse_node_element_id("n:12x"));
}

TEST(Database, AbortedTransactionLeavesNothing) {
  TestDir dir;
  auto db = Database::open(dir.path(), quick_options());
  {
    auto tx = db->begin_write();
    tx.create_node({"Ghost"}, {{"x", Value(1)}});
    tx.abort();
  }
  {
    auto tx = db->begin_write();
    tx.create_node({"Ghost"}, {});
    // destroyed without commit
  }
  auto rd = db->begin_read();
  EXPECT_EQ(rd.node_count(), 0u);
  EXPECT_TRUE(rd.nodes_with_label("Ghost").empty());
}

TEST(Database, NonDetachDeleteOfConnectedNodeIsRefused) {
  TestDir dir;
  auto db = Database::open(dir.path(), quick_options());
  auto tx = db->begin_write();
  auto a = tx.create_node({"P"}, {});
  auto b = tx.create_node({"P"}, {});
  auto r = tx.create_relationship("R", a, b, {});
  auto loop = tx.create_relationship("SELF", a, a, {});
  tx.commit();

  auto del = db->begin_write();
  try {
    del.delete_node(a);
    FAIL() << "delete of a node with relationships must fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kHasRelationships);
    EXPECT_NE(std::string(e.what()).find(element_id(a)), std::string::npos);
  }
  // The failed delete changed nothing and the transaction is still usable.
  EXPECT_TRUE(del.get_node(a));
  del.delete_node(a, /*detach=*/true);
  EXPECT_FALSE(del.get_node(a));
  EXPECT_FALSE(del.get_relationship(r));
  EXPECT_FALSE(del.get_relationship(loop));
  EXPECT_TRUE(del.relationships_of(b, Direction::kBoth).empty());
  del.commit();
  auto rd = db->begin_read();
  EXPECT_EQ(rd.node_count(), 1u);
  EXPECT_EQ(rd.relationship_count(), 0u);
}

TEST(Database, NodeKeyIsUniqueAndEnforced) {
  TestDir dir;
  auto db = Database::open(dir.path(), quick_options());
  {
    auto tx = db->begin_write();
    tx.create_key({EntityKind::kNode, "Person", {"id"}});
    tx.create_node({"Person"}, {{"id", Value(1)}, {"name", Value("Ann")}});
    tx.commit();
  }
  // A duplicate key: the whole transaction is rolled back, nothing of it applied.
  {
    auto tx = db->begin_write();
    auto other = tx.create_node({"Other"}, {{"id", Value(1)}});
    EXPECT_THROW(
        try { tx.create_node({"Person"}, {{"id", Value(1)}}); } catch (const Error& e) {
          EXPECT_EQ(e.code(), ErrorCode::kConstraintViolation);
          EXPECT_NE(std::string(e.what()).find("Person(id=1)"), std::string::npos) << e.what();
          throw;
        },
        Error);
    // Making an existing node collide by label or property is refused too.
    EXPECT_THROW(tx.add_labels(other, {"Person"}), Error);
    EXPECT_FALSE(tx.get_node(other)->labels.size() == 2);
    tx.abort();
  }
  // A missing key property is refused at commit.
  {
    auto tx = db->begin_write();
    tx.create_node({"Person"}, {{"name", Value("Nobody")}});
    try {
      tx.commit();
      FAIL() << "commit without the key property must fail";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kConstraintViolation);
    }
  }
  auto rd = db->begin_read();
  EXPECT_EQ(rd.node_count(), 1u);
  auto found = rd.find_node("Person", {{"id", Value(1)}});
  ASSERT_TRUE(found);
  EXPECT_EQ(rd.get_node(*found)->properties.at("name"), Value("Ann"));
  EXPECT_FALSE(rd.find_node("Person", {{"id", Value(2)}}));
  EXPECT_THROW(rd.find_node("Person", {{"name", Value("Ann")}}), Error);
}

TEST(Database, KeyFollowsPropertyChangesAndSurvivesReopen) {
  TestDir dir;
  NodeId n;
  {
    auto db = Database::open(dir.path(), quick_options());
    auto tx = db->begin_write();
    tx.create_key({EntityKind::kNode, "Person", {"id"}});
    n = tx.create_node({"Person"}, {{"id", Value(1)}});
    tx.set_node_properties(n, {{"id", Value(2)}});
    tx.commit();
  }
  auto db = Database::open(dir.path(), quick_options());
  {
    auto rd = db->begin_read();
    EXPECT_FALSE(rd.find_node("Person", {{"id", Value(1)}}));
    EXPECT_EQ(rd.find_node("Person", {{"id", Value(2)}}), n);
    ASSERT_EQ(rd.key_constraints().size(), 1u);
  }
  auto tx = db->begin_write();
  auto m = tx.create_node({"Person"}, {{"id", Value(1)}});  // the old key is free again
  EXPECT_THROW(tx.set_node_properties(m, {{"id", Value(2)}}), Error);
  tx.commit();
}

TEST(Database, RelationshipKeyIsEnforced) {
  TestDir dir;
  auto db = Database::open(dir.path(), quick_options());
  auto tx = db->begin_write();
  auto a = tx.create_node({}, {});
  auto b = tx.create_node({}, {});
  tx.create_relationship("PAID", a, b, {{"ref", Value("x1")}});
  tx.create_key({EntityKind::kRelationship, "PAID", {"ref"}});
  EXPECT_THROW(tx.create_relationship("PAID", b, a, {{"ref", Value("x1")}}), Error);
  auto r2 = tx.create_relationship("PAID", b, a, {{"ref", Value("x2")}});
  tx.commit();
  auto rd = db->begin_read();
  EXPECT_EQ(rd.find_relationship("PAID", {{"ref", Value("x2")}}), r2);
}

TEST(Database, DroppingAKeyFreesItsValuesAndIsReplayedAtOpen) {
  TestDir dir;
  const KeyConstraint person{EntityKind::kNode, "Person", {"id"}};
  {
    auto db = Database::open(dir.path(), quick_options());
    auto tx = db->begin_write();
    tx.create_key(person);
    tx.create_key({EntityKind::kRelationship, "PAID", {"ref"}});
    tx.create_node({"Person"}, {{"id", Value(1)}});
    tx.commit();
  }
  // The store as it was before the drop: the next open must replay the drop from the log.
  std::filesystem::copy(dir / "store", dir / "store-old", std::filesystem::copy_options::recursive);
  {
    auto db = Database::open(dir.path(), quick_options());
    auto tx = db->begin_write();
    // The properties in another order name the same key.
    tx.drop_key({EntityKind::kNode, "Person", {"id"}});
    tx.create_node({"Person"}, {{"id", Value(1)}});  // no longer a duplicate
    EXPECT_EQ(tx.key_constraints().size(), 1u);
    tx.commit();
  }
  std::filesystem::remove_all(dir / "store");
  std::filesystem::rename(dir / "store-old", dir / "store");
  auto db = Database::open(dir.path(), quick_options());
  EXPECT_EQ(db->status().replayed_at_open, 1u);
  {
    auto rd = db->begin_read();
    ASSERT_EQ(rd.key_constraints().size(), 1u);
    EXPECT_EQ(rd.key_constraints()[0].label_or_type, "PAID");
    EXPECT_EQ(rd.nodes_with_label("Person").size(), 2u);
    EXPECT_THROW(rd.find_node("Person", {{"id", Value(1)}}), Error);  // no key to look up by
  }
  // Dropping a key that is not there names it; the transaction can still commit.
  auto tx = db->begin_write();
  try {
    tx.drop_key(person);
    FAIL() << "dropping a missing key must fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("node key on Person(id)"), std::string::npos) << e.what();
  }
  tx.create_node({"Pet"}, {});
  EXPECT_GT(tx.commit(), 0u);
  // Made again, the key indexes the values present, and refuses the duplicate.
  auto again = db->begin_write();
  EXPECT_THROW(again.create_key(person), Error);
}

TEST(Database, CreatingAKeyOnDuplicateDataIsRefused) {
  TestDir dir;
  auto db = Database::open(dir.path(), quick_options());
  auto tx = db->begin_write();
  tx.create_node({"P"}, {{"id", Value(1)}});
  tx.create_node({"P"}, {{"id", Value(1)}});
  try {
    tx.create_key({EntityKind::kNode, "P", {"id"}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConstraintViolation);
  }
  EXPECT_TRUE(tx.key_constraints().empty());
}

TEST(Database, AllValueKindsRoundTripThroughStoreAndLog) {
  TestDir dir;
  Properties props{{"null_is_dropped", Value()},
                   {"b", Value(true)},
                   {"i", Value(std::int64_t{-9007199254740993})},
                   {"d", Value(2.5)},
                   {"s", Value("h\xc3\xa9llo")},
                   {"raw", Value(Bytes{std::string("\0\x01\xff", 3)})},
                   {"li", Value(Value::List{Value(1), Value(2)})},
                   {"ls", Value(Value::List{Value("a")})},
                   {"empty", Value(Value::List{})}};
  NodeId id;
  {
    Options o = quick_options();
    o.initial_settings.checkpoint_interval_time = std::chrono::hours(1);
    auto db = Database::open(dir.path(), o);
    auto tx = db->begin_write();
    id = tx.create_node({"V"}, props);
    tx.commit();
  }
  props.erase("null_is_dropped");
  auto db = Database::open(dir.path(), quick_options());
  EXPECT_EQ(db->begin_read().get_node(id)->properties, props);
  EXPECT_THROW(Value(Value::List{Value(1), Value("x")}), Error);
}

TEST(Database, SettingsPersistAndBadValuesAreRefused) {
  TestDir dir;
  {
    auto db = Database::open(dir.path(), quick_options());
    db->set_setting("rotation_size", "1M");
    db->set_setting("checkpoint_interval_time", "30s");
    db->set_setting("checkpoint_interval_tx", "500");
    EXPECT_THROW(db->set_setting("rotation_size", "lots"), Error);
    EXPECT_THROW(db->set_setting("no_such_setting", "1"), Error);
    EXPECT_THROW(db->set_setting("checkpoint_interval_time", "5 parsecs"), Error);
  }
  auto db = Database::open(dir.path(), quick_options());
  auto s = db->status().settings;
  EXPECT_EQ(s.rotation_size, 1u << 20);
  EXPECT_EQ(s.checkpoint_interval_time, std::chrono::seconds(30));
  EXPECT_EQ(s.checkpoint_interval_tx, 500u);
}

TEST(Database, SecondOpenIsRefusedWhileOpen) {
  TestDir dir;
  auto db = Database::open(dir.path(), quick_options());
  try {
    Database::open(dir.path(), quick_options());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kLocked);
  }
}

TEST(Database, MissingDatabaseIsReportedWhenNotCreating) {
  TestDir dir;
  Options o;
  o.create_if_missing = false;
  try {
    Database::open(dir / "nothing-here", o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("nothing-here"), std::string::npos);
  }
}

// A folder the process may not look into is a permission problem, not an empty folder. Root
// may look anywhere, so as root the look is made by a child that has given root up.
TEST(Database, AFolderThatCannotBeReadIsReportedAsSuch) {
  TestDir dir;
  std::filesystem::path locked = dir / "locked";
  std::filesystem::create_directories(locked);
  Options o;
  o.create_if_missing = false;
  auto opened_message = [&]() -> std::string {
    try {
      Database::open(locked / "db", o);
      return "opened";
    } catch (const Error& e) {
      return fmt::format("{}|{}", error_code_name(e.code()), e.what());
    }
  };
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::others_exec);
  std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
  std::string message;
  if (::geteuid() != 0) {
    message = opened_message();
  } else {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    pid_t child = ::fork();
    if (child == 0) {
      ::close(pipe_fds[0]);
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
      std::string text = opened_message();
      ssize_t written = ::write(pipe_fds[1], text.data(), text.size());
      ::_exit(written == static_cast<ssize_t>(text.size()) ? 0 : 4);
    }
    ::close(pipe_fds[1]);
    char buffer[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
  EXPECT_EQ(message.find("not_found"), std::string::npos) << message;
  EXPECT_NE(message.find("Permission denied"), std::string::npos) << message;
  EXPECT_NE(message.find((locked / "db").string()), std::string::npos) << message;
}

// Names are tokens, kept as LMDB keys of one byte more than the name: a name that would not fit
// is refused before anything is written, naming itself and the limit, and the transaction goes on.
TEST(Database, NamesTooLongForAKeyAreRefusedByNameAndLimit) {
  TestDir dir;
  auto db = Database::open(dir.path(), quick_options());
  const std::string longest(510, 'n');
  const std::string too_long = "Long" + std::string(507, 'x');  // 511 bytes
  auto expect_refused = [&](const std::function<void()>& write, const char* what) {
    SCOPED_TRACE(what);
    try {
      write();
      FAIL() << "accepted";
    } catch (const Error& e) {
      std::string message = e.what();
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << message;
      EXPECT_NE(message.find(what), std::string::npos) << message;
      EXPECT_NE(message.find("511 bytes"), std::string::npos) << message;
      EXPECT_NE(message.find("510"), std::string::npos) << message;
      EXPECT_NE(message.find("\"Longxxx"), std::string::npos) << message;
      EXPECT_LT(message.size(), 300u) << "the name is shown shortened";
    }
  };
  auto tx = db->begin_write();
  NodeId a = tx.create_node({longest}, {{longest, Value(1)}});
  RelationshipId r = tx.create_relationship(longest, a, a, {});
  expect_refused([&] { tx.create_node({too_long}, {}); }, "label");
  expect_refused([&] { tx.create_node({"Person"}, {{too_long, Value(1)}}); }, "property key");
  expect_refused([&] { tx.add_labels(a, {too_long}); }, "label");
  expect_refused([&] { tx.set_node_properties(a, {{too_long, Value(1)}}); }, "property key");
  expect_refused([&] { tx.create_relationship(too_long, a, a, {}); }, "relationship type");
  expect_refused([&] { tx.set_relationship_properties(r, {{too_long, Value(1)}}); }, "property key");
  expect_refused([&] { tx.create_key({EntityKind::kNode, too_long, {"id"}}); }, "label");
  expect_refused([&] { tx.create_key({EntityKind::kNode, "Person", {too_long}}); }, "property");
  // Nothing was half-written: the transaction still commits what it did.
  tx.create_node({"After"}, {});
  EXPECT_GT(tx.commit(), 0u);
  auto rd = db->begin_read();
  EXPECT_EQ(rd.node_count(), 2u);
  EXPECT_EQ(rd.get_node(a)->properties.at(longest), Value(1));

  std::filesystem::path csv = dir / "long.csv";
  std::ofstream(csv) << "id:ID," << too_long << "\n1,x\n";
  ImportOptions import;
  import.node_files = {csv};
  expect_refused([&] { db->import_csv(import); }, "property key");
}

TEST(Database, ParsesSizesAndDurations) {
  EXPECT_EQ(parse_size("64M"), 64u << 20);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("2G"), 2ull << 30);
  EXPECT_THROW(parse_size("M"), Error);
  EXPECT_THROW(parse_size("12Q"), Error);
  EXPECT_EQ(parse_duration("15m"), std::chrono::minutes(15));
  EXPECT_EQ(parse_duration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(parse_duration("2h"), std::chrono::hours(2));
  EXPECT_THROW(parse_duration("15"), Error);
}


TEST(Database, SecondWriteTransactionOnOneThreadIsRefusedNotDeadlocked) {
  TestDir dir;
  auto db = Database::open(dir.path(), quick_options());
  auto tx = db->begin_write();
  EXPECT_THROW(db->begin_write(), Error);
  EXPECT_THROW(db->checkpoint(), Error);
  tx.create_node({}, {});
  EXPECT_EQ(tx.commit(), 1u);
  auto empty = db->begin_write();
  EXPECT_EQ(empty.commit(), 0u) << "a transaction that changed nothing gets no tx id";
  EXPECT_THROW(empty.commit(), Error);
}

TEST(Database, ConcurrentWritersAllCommitWithDistinctTxIds) {
  TestDir dir;
  auto db = Database::open(dir.path());  // durable: exercises group commit
  std::vector<std::thread> threads;
  std::mutex ids_mutex;
  std::vector<std::uint64_t> ids;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto tx = db->begin_write();
        std::string label = "T";  // not "T" + ...: GCC 12 at -O3 warns falsely inside it (-Wrestrict)
        label += std::to_string(t);
        tx.create_node({label}, {{"i", Value(i)}});
        auto id = tx.commit();
        std::lock_guard lock(ids_mutex);
        ids.push_back(id);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::sort(ids.begin(), ids.end());
  ASSERT_EQ(ids.size(), 200u);
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], i + 1);
  EXPECT_EQ(db->begin_read().node_count(), 200u);
}

TEST(Database, AsyncCommitsAreSyncedByTheFlusher) {
  TestDir dir;
  Options o;
  o.durability = Durability::kAsync;
  o.async_sync_interval = std::chrono::milliseconds(20);
  auto db = Database::open(dir.path(), o);
  std::uint64_t syncs_before = db->status().log_syncs;
  auto tx = db->begin_write();
  tx.create_node({"N"}, {});
  tx.commit();  // returns before any sync
  for (int i = 0; i < 100 && db->status().log_syncs == syncs_before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GT(db->status().log_syncs, syncs_before) << "the background flusher must sync the log";
}

TEST(Database, FullDurabilityCommitsAndReopens) {
  TestDir dir;
  Options o;
  o.durability = Durability::kFull;
  {
    auto db = Database::open(dir.path(), o);
    for (int i = 0; i < 5; ++i) {
      auto tx = db->begin_write();
      tx.create_node({"N"}, {{"i", Value(i)}});
      tx.commit();
    }
    EXPECT_GE(db->status().log_syncs, 5u) << "kFull syncs the log before every store commit";
  }
  auto db = Database::open(dir.path(), o);
  EXPECT_EQ(db->begin_read().node_count(), 5u);
}

// A new database is its owner's alone whatever the umask; with group_access its group may read
// it. Files and folders made later (segments, checkpoint files, consumer groups) follow their
// folder.
TEST(Database, ANewDatabaseIsItsOwnersAloneUnlessItsGroupMayRead) {
  for (bool group : {false, true}) {
    SCOPED_TRACE(group ? "group_access" : "private");
    TestDir dir;
    auto db_dir = dir / "db";
    Options options;
    options.group_access = group;
    options.initial_settings.enrichment = EnrichmentMode::kDiff;
    options.initial_settings.rotation_size = 4096;
    options.initial_settings.log_compression_level = 0;
    mode_t umask_before = ::umask(0);  // the modes must not depend on a friendly umask
    try {
      auto db = Database::open(db_dir, options);
      ChangeStream stream(*db);
      ConsumerGroupOptions start;
      start.start = StartLocation::earliest();
      create_consumer_group(stream, "g", start);
      for (int i = 0; i < 40; ++i) {
        auto tx = db->begin_write();
        tx.create_node({"N"}, {{"pad", Value(std::string(200, 'p'))}});
        tx.commit();
      }
      Consumer consumer(stream, "g");
      consumer.poll(10);
      consumer.commit();
      db->checkpoint();
      db->close();
    } catch (...) {
      ::umask(umask_before);
      throw;
    }
    ::umask(umask_before);
    auto mode_of = [](const std::filesystem::path& p) {
      struct stat st;
      EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
      return static_cast<unsigned>(st.st_mode & 0777);
    };
    EXPECT_EQ(mode_of(db_dir), group ? 0750u : 0700u);
    std::size_t files = 0, folders = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(db_dir)) {
      bool folder = entry.is_directory();
      (folder ? folders : files)++;
      EXPECT_EQ(mode_of(entry.path()), folder ? (group ? 0750u : 0700u) : (group ? 0640u : 0600u)) << entry.path();
    }
    EXPECT_GE(folders, 3u);  // store, txlog, consumers
    EXPECT_GE(files, 6u);    // LOCK, data.mdb, lock.mdb, checkpoint.meta, segments, the group's files
  }
}

}  // namespace
}  // namespace txgraph
