#include "tools/txgraph/interrupts.h"

#include <signal.h>

#include <atomic>

namespace txgraph::cli {

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void on_interrupt(int) { stop_requested = true; }

}  // namespace

void stop_on_interrupt() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupted() { return stop_requested; }

}  // namespace txgraph::cli
