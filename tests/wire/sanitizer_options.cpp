// LeakSanitizer defaults for client_tests (read only in RG_SANITIZE builds). cpprestsdk's
// thread pool is never joined: at exit it still holds OpenSSL's per-thread error queues and
// random generators, and pplx tasks whose I/O was cut short by closed connections. None of
// these are leaks of this code; allocations made here keep their own frames and stay checked.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libcrypto.so\n"
         "leak:libssl.so\n"
         "leak:libcpprest.so\n"
         "leak:pplx::details::\n"
         "leak:__cxa_allocate_exception\n";
}
