// A database in a fresh temporary folder for the fuzz targets that need one: kept for the
// whole process, closed and removed when it ends.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "txgraph/txgraph.h"

namespace txgraph::fuzz {

// A fresh folder for one fuzz process, named after `name`: in /dev/shm where there is one (a
// target that writes files for every input runs several times faster in memory), else /tmp.
inline std::string scratch_folder(const std::string& name) {
  std::error_code ec;
  std::string root = std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp";
  std::string tmpl = root + "/txgraph-fuzz-" + name + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) __builtin_trap();
  return tmpl;
}

struct FuzzDatabase {
  std::string dir;
  std::unique_ptr<Database> db;

  // `name` tells the folders of the targets apart. Fast options: crashes are not what the
  // targets test.
  explicit FuzzDatabase(const std::string& name, EnrichmentMode enrichment = EnrichmentMode::kDiff) {
    dir = scratch_folder(name);
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
