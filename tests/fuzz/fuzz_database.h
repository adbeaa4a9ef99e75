// A database in a fresh temporary folder for the fuzz targets that need one: kept for the
// whole process, closed and removed when it ends.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "txgraph/txgraph.h"

namespace txgraph::fuzz {

struct FuzzDatabase {
  std::string dir;
  std::unique_ptr<Database> db;

  // `name` tells the folders of the targets apart. Fast options: crashes are not what the
  // targets test.
  explicit FuzzDatabase(const std::string& name, EnrichmentMode enrichment = EnrichmentMode::kDiff) {
    std::string tmpl = "/tmp/txgraph-fuzz-" + name + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) __builtin_trap();
    dir = tmpl;
    Options o;
    o.durability = Durability::kAsync;
    o.power_loss_protection = false;
    o.initial_settings.enrichment = enrichment;
    db = Database::open(dir + "/db", o);
  }
  ~FuzzDatabase() {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  FuzzDatabase(const FuzzDatabase&) = delete;
  FuzzDatabase& operator=(const FuzzDatabase&) = delete;
};

}  // namespace txgraph::fuzz
