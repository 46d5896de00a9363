// Output files written through a temporary (PATH.partial) and renamed on commit, and the
// SIGINT/SIGTERM handler that removes the unfinished ones. The handler may only use
// async-signal-safe calls (unlink, write, _exit), so open outputs live in a fixed table of
// atomic C-string pointers that it reads without locks.
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cli_common.hpp"

namespace faultline::cli {
namespace {

struct Slot {
  std::atomic<bool> taken{false};
  std::atomic<const char*> temp{nullptr};  // being written: remove it on an interrupt
  std::atomic<const char*> done{nullptr};  // committed: say it was kept
};
// More outputs than any verb writes at once; one beyond that is simply not tracked.
std::array<Slot, 16> g_slots;

int take_slot() {
  for (std::size_t i = 0; i < g_slots.size(); ++i) {
    bool expected = false;
    if (g_slots[i].taken.compare_exchange_strong(expected, true)) return static_cast<int>(i);
  }
  return -1;
}

void say(const char* text) {
  std::size_t left = std::strlen(text);
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<std::size_t>(n);
  }
}

// Async-signal-safe: unlink, write and _exit only. Not instrumented by AddressSanitizer:
// before a call that does not return (_exit) it inserts __asan_handle_no_return, which
// reads the thread's stack bounds through pthread_getattr_np, fopen and malloc; a signal
// that came while malloc held the sanitizer's allocator lock then spun for ever (the
// sanitizer job's Ctrl-C test hung on a fresh clone).
__attribute__((no_sanitize("address"))) void on_interrupt(int signal_number) {
  say(signal_number == SIGINT ? "\nfaultline: interrupted (Ctrl-C)" : "\nfaultline: terminated");
  bool any = false;
  for (Slot& slot : g_slots) {
    if (const char* temp = slot.temp.load()) {
      if (::unlink(temp) == 0 || errno != ENOENT) {
        say(any ? "; " : ": ");
        say("removed the unfinished ");
        say(temp);
        any = true;
      }
    }
    if (const char* done = slot.done.load()) {
      say(any ? "; " : ": ");
      say("kept ");
      say(done);
      say(" (complete before the interrupt)");
      any = true;
    }
  }
  say(any ? "\n" : "; no output file was being written\n");
  if (json_errors()) {
    const char* line = signal_number == SIGINT ? "{\"error\":\"interrupted\",\"exit\":130}\n"
                                               : "{\"error\":\"terminated\",\"exit\":143}\n";
    [[maybe_unused]] ssize_t n = ::write(STDOUT_FILENO, line, std::strlen(line));
  }
  _exit(128 + signal_number);
}

// The handler runs on its own stack: a signal may arrive while a simulated node's fiber,
// with its small stack, is running.
void install_alternate_stack() {
  static std::array<char, 64 * 1024> stack;
  stack_t alternate{};
  alternate.ss_sp = stack.data();
  alternate.ss_size = stack.size();
  ::sigaltstack(&alternate, nullptr);
}

}  // namespace

void install_interrupt_handler() {
  install_alternate_stack();
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  action.sa_flags = SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

OutputFile::OutputFile(std::string path, std::string flag)
    : path_(std::move(path)), flag_(std::move(flag)) {
  if (path_.empty()) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path_, ec)) throw protocols::BadInput(flag_ + " " + path_, "is a directory");
  const fs::file_status followed = fs::status(path_, ec);  // links followed by the kernel
  const bool link = fs::is_symlink(fs::symlink_status(path_, ec));
  if (fs::exists(followed) && !fs::is_regular_file(followed)) {
    // As root, renaming over /dev/null replaced the device with a regular file.
    through_ = true;
    if (::access(path_.c_str(), W_OK) != 0) {
      throw protocols::BadInput(flag_ + " " + path_, "cannot write here");
    }
    return;
  }
  target_ = link ? link_target(path_, flag_).string() : path_;
  if (link && !fs::exists(followed) && !fs::is_directory(fs::path(target_).parent_path(), ec)) {
    throw protocols::BadInput(flag_ + " " + path_, "is a symbolic link to " + target_ +
                                                       ", in a folder that does not exist");
  }
  temp_ = target_ + ".partial";
  // Known to the handler before the file exists: an interrupt between creating it and
  // registering it would leave it behind.
  slot_ = take_slot();
  if (slot_ >= 0) g_slots[slot_].temp.store(temp_.c_str());
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_) {
    if (slot_ >= 0) {  // no destructor runs after a throw: give the slot back here
      g_slots[slot_].temp.store(nullptr);
      g_slots[slot_].taken.store(false);
      slot_ = -1;
    }
    if (link && fs::exists(followed) && ::access(path_.c_str(), W_OK) == 0) {
      through_ = true;  // a writable file in a folder we may not write: through the link
      return;
    }
    throw protocols::BadInput(flag_ + " " + path_,
                              link ? "cannot write " + target_ +
                                         ", the file this link names "
                                         "(is its folder writable?)"
                                   : "cannot write here (does the directory exist and is it "
                                     "writable?)");
  }
}

OutputFile::~OutputFile() {
  if (!path_.empty() && !committed_ && !through_) {
    out_.close();
    std::remove(temp_.c_str());
  }
  if (slot_ >= 0) {
    g_slots[slot_].temp.store(nullptr);
    g_slots[slot_].done.store(nullptr);
    g_slots[slot_].taken.store(false);
  }
}

void OutputFile::commit() {
  if (through_) {  // complete now: written through the device, pipe or link in one go
    out_.open(path_, std::ios::binary | std::ios::trunc);
    out_ << held_.str();
  }
  out_.flush();
  if (!out_) throw protocols::BadInput(flag_ + " " + path_, "writing failed (disk full?)");
  out_.close();
  if (!through_) {
    std::error_code ec;
    std::filesystem::rename(temp_, target_, ec);
    if (ec)
      throw protocols::BadInput(flag_ + " " + path_,
                                "cannot move the finished file into place: " + ec.message());
  }
  committed_ = true;
  if (slot_ >= 0) {
    g_slots[slot_].done.store(path_.c_str());
    g_slots[slot_].temp.store(nullptr);
  }
}

}  // namespace faultline::cli
