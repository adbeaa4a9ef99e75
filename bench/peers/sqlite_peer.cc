// SQLite in the peers benchmark, captured the common SQLite way: an AFTER INSERT trigger
// writes each new row as JSON into a change table, which consumers read in seq order.
// WAL mode; synchronous=FULL syncs the WAL at every commit, NORMAL only at checkpoints.
#include <sqlite3.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "bench/bench_support.h"
#include "bench/peers/peers.h"

namespace txgraph::bench::peers {
namespace {

void sql(sqlite3* db, const char* text) {
  char* err = nullptr;
  if (sqlite3_exec(db, text, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw std::runtime_error(fmt::format("sqlite: {}: {}", text, message));
  }
}

// One connection and its prepared statements; closes them on every way out.
struct Connection {
  sqlite3* db = nullptr;
  sqlite3_stmt* statement = nullptr;
  Connection(const fs::path& file, bool durable) {
    if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) throw std::runtime_error("sqlite open");
    sql(db, "PRAGMA journal_mode=WAL");
    sql(db, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    // Writers that find the database locked wait in SQLite's busy handler (sleep and retry).
    sql(db, "PRAGMA busy_timeout=30000");
  }
  void prepare(const char* text) {
    if (sqlite3_prepare_v2(db, text, -1, &statement, nullptr) != SQLITE_OK)
      throw std::runtime_error(fmt::format("sqlite prepare: {}", sqlite3_errmsg(db)));
  }
  ~Connection() {
    sqlite3_finalize(statement);
    sqlite3_close(db);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
};

void create_schema(sqlite3* db, bool with_trigger) {
  sql(db, "CREATE TABLE nodes(id INTEGER PRIMARY KEY, label TEXT, name TEXT, note TEXT)");
  sql(db, "CREATE TABLE changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT, id INTEGER, before TEXT, after TEXT)");
  if (with_trigger)
    sql(db,
        "CREATE TRIGGER nodes_insert AFTER INSERT ON nodes BEGIN INSERT INTO changes(op, id, before, after) VALUES "
        "('c', NEW.id, NULL, json_object('label', NEW.label, 'id', NEW.id, 'name', NEW.name, 'note', NEW.note)); END");
}

constexpr const char* kInsert = "INSERT INTO nodes(id, label, name, note) VALUES (?1, 'Person', ?2, ?3)";

void insert_row(Connection& c, std::int64_t id, std::string_view name, std::string_view note_text) {
  sqlite3_bind_int64(c.statement, 1, id);
  sqlite3_bind_text(c.statement, 2, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(c.statement, 3, note_text.data(), static_cast<int>(note_text.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(c.statement) != SQLITE_DONE) throw std::runtime_error(fmt::format("sqlite insert: {}", sqlite3_errmsg(c.db)));
  sqlite3_reset(c.statement);
}

void commit_row(Connection& c, std::int64_t id) {
  sql(c.db, "BEGIN IMMEDIATE");
  insert_row(c, id, "someone", note(id));
  sql(c.db, "COMMIT");
}

std::string label(bool durable) {
  return fmt::format("SQLite WAL, synchronous={}, trigger change table", durable ? "FULL" : "NORMAL");
}

}  // namespace

CommitFigures sqlite_commits(const fs::path& dir, bool durable, bool app_mutex, const CommitPlan& plan) {
  fs::create_directories(dir);
  const fs::path file = dir / "db.sqlite";
  CommitFigures f;
  f.system = label(durable) + (app_mutex ? ", writers behind one application mutex" : "");
  f.short_name = fmt::format("SQLite {}{}", durable ? "FULL" : "NORMAL", app_mutex ? " mutex" : "");
  f.durable = durable;
  f.writers = plan.writers;
  std::vector<std::unique_ptr<Connection>> writers;
  for (int w = 0; w < plan.writers; ++w) {
    writers.push_back(std::make_unique<Connection>(file, durable));
    if (w == 0) create_schema(writers[0]->db, true);
    writers.back()->prepare(kInsert);
  }
  std::mutex one_writer;
  WriterRun run = run_writers(plan, [&](int w, std::int64_t id) {
    std::unique_lock lock(one_writer, std::defer_lock);
    if (app_mutex) lock.lock();
    commit_row(*writers[static_cast<std::size_t>(w)], id);
  });
  f.transactions = run.transactions;
  f.seconds = run.seconds;
  writers.resize(1);
  Connection& c = *writers[0];
  sqlite3_stmt* read = nullptr;
  sqlite3_prepare_v2(c.db, "SELECT seq, op, id, before, after FROM changes ORDER BY seq", -1, &read, nullptr);
  auto start = Clock::now();
  std::uint64_t changes = 0, bytes = 0;
  while (sqlite3_step(read) == SQLITE_ROW) {
    ++changes;
    bytes += static_cast<std::uint64_t>(sqlite3_column_bytes(read, 4));
  }
  f.changes_read_per_s = changes / seconds_since(start);
  sqlite3_finalize(read);
  sqlite3_stmt* pages = nullptr;
  if (sqlite3_prepare_v2(c.db, "SELECT SUM(pgsize) FROM dbstat WHERE name = 'changes'", -1, &pages, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(pages) == SQLITE_ROW)
    f.log_bytes_per_tx = static_cast<double>(sqlite3_column_int64(pages, 0)) / f.transactions;
  sqlite3_finalize(pages);
  writers.clear();  // the last connection to close checkpoints the WAL into the database file
  if (changes != f.transactions || bytes == 0)
    throw std::runtime_error(fmt::format("{}: read {} of {} changes", f.system, changes, f.transactions));
  f.bytes_per_tx = static_cast<double>(folder_bytes(dir)) / f.transactions;
  return f;
}

LatencyFigures sqlite_follow(const fs::path& dir, bool durable, const FollowPlan& plan) {
  fs::create_directories(dir);
  const fs::path file = dir / "db.sqlite";
  Connection writer(file, durable);
  create_schema(writer.db, true);
  writer.prepare(kInsert);
  LatencyFigures f = measure_follow(
      plan, [&](std::int64_t id) { commit_row(writer, id); },
      [&](const std::function<void(std::int64_t)>& seen, std::atomic<bool>& ready, const std::atomic<bool>& stop) {
        Connection reader(file, durable);
        reader.prepare("SELECT seq, id FROM changes WHERE seq > ?1 ORDER BY seq");
        std::int64_t last_seq = 0;
        ready = true;
        while (!stop.load()) {
          sqlite3_bind_int64(reader.statement, 1, last_seq);
          bool any = false;
          while (sqlite3_step(reader.statement) == SQLITE_ROW) {
            last_seq = sqlite3_column_int64(reader.statement, 0);
            seen(sqlite3_column_int64(reader.statement, 1));
            any = true;
          }
          sqlite3_reset(reader.statement);
          if (!any) std::this_thread::sleep_for(plan.poll);
        }
      });
  f.system = label(durable);
  f.short_name = fmt::format("SQLite {}", durable ? "FULL" : "NORMAL");
  f.consumer = fmt::format("polls the change table (SELECT ... WHERE seq > last), {} µs apart when idle",
                           plan.poll.count());
  return f;
}

ImportFigures sqlite_import(const fs::path& dir, const fs::path& csv, std::int64_t rows, bool with_trigger) {
  fs::create_directories(dir);
  ImportFigures f;
  f.system = "SQLite WAL, synchronous=FULL";
  f.short_name = with_trigger ? "SQLite + trigger" : "SQLite no trigger";
  f.method = fmt::format("one transaction of prepared INSERTs{}", with_trigger ? ", change trigger on"
                                                                               : ", change trigger dropped");
  f.captured = with_trigger;
  f.transactional_system = label(true);
  std::uint64_t changes = 0;
  {
    Connection c(dir / "db.sqlite", true);
    create_schema(c.db, with_trigger);
    c.prepare(kInsert);
    auto start = Clock::now();
    sql(c.db, "BEGIN");
    for_each_csv_row(csv, [&](std::int64_t id, std::string_view name, std::string_view note_text) {
      insert_row(c, id, name, note_text);
      ++f.rows;
    });
    sql(c.db, "COMMIT");
    f.seconds = seconds_since(start);
    sqlite3_stmt* count = nullptr;
    sqlite3_prepare_v2(c.db, "SELECT COUNT(*) FROM changes", -1, &count, nullptr);
    if (sqlite3_step(count) == SQLITE_ROW) changes = static_cast<std::uint64_t>(sqlite3_column_int64(count, 0));
    sqlite3_finalize(count);
  }
  if (f.rows != static_cast<std::uint64_t>(rows) || changes != (with_trigger ? f.rows : 0))
    throw std::runtime_error(fmt::format("sqlite import: {} rows, {} changes", f.rows, changes));
  f.bytes_per_row = static_cast<double>(folder_bytes(dir)) / f.rows;
  return f;
}

}  // namespace txgraph::bench::peers
