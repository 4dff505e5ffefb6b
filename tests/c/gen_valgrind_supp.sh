#!/bin/sh
# Writes tests/c/valgrind.supp: memcheck suppressions for errors whose
# innermost frame is Go code. Valgrind has no wildcard for the error kind,
# hence one entry per kind and per Go name pattern. Re-run after editing.
set -eu
set -f # the patterns below are valgrind's, not file names
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$self")"
kinds="Cond Value1 Value2 Value4 Value8 Value16 Value32 Addr1 Addr2 Addr4 Addr8 Addr16 Addr32"
# Go symbols: a package path with a slash (crypto/tls..., internal/...,
# github.com/...), a standard package without one, a runtime assembly
# routine (the names without a package in `nm` of the library), or cgo's glue
# (_cgo_*: the C wrappers cgo generates copy arguments out of Go frames).
# C symbols never contain '/' and none of ours (ss_*, ssi_*) match the rest.
go_names="*/* main.* bufio.* bytes.* cmp.* context.* crypto.* embed.* encoding.* errors.* expvar.* flag.* fmt.* hash.* html.* image.* io.* iter.* log.* maps.* math.* mime.* net.* os.* path.* reflect.* regexp.* runtime.* slices.* sort.* strconv.* strings.* sync.* syscall.* text.* time.* unicode.* unique.* weak.* go:* aeshashbody memeqbody indexbody indexbytebody cmpbody countbody callRet gogo gosave_systemstack_switch setg_gcc debugCall* expandAVX512_* gcWriteBarrier* p256*Internal p256IsZero polyHashADInternal _expand_key_* _rt0_* _cgo_* _cgoexp_* crosscall1 crosscall2"
go_syscall_params="accept4(addr) accept4(addrlen) accept4(flags) accept4(s) bind(addrlen) bind(my_addr)
bind(sockfd) clock_nanosleep(clkid) clock_nanosleep(flags) clock_nanosleep(rmtp) clock_nanosleep(rqtp)
clone(child_stack) clone(child_tidptr) clone(flags) clone(parent_tidptr) clone(tlsinfo) close(fd)
connect(addrlen) connect(serv_addr) connect(sockfd) socketcall.connect(serv_addr.sa_family)
socketcall.connect(serv_addr.sin_addr) socketcall.connect(serv_addr.sin_port)
socketcall.connect(serv_addr.sin6_addr) socketcall.connect(serv_addr.sin6_port)
socketcall.connect(serv_addr.sin6_flowinfo) socketcall.connect(serv_addr.sin6_scope_id)
epoll_create1(flags) epoll_ctl(epfd) epoll_ctl(event) epoll_ctl(fd) epoll_ctl(op) epoll_pwait(epfd)
epoll_pwait(events) epoll_pwait(maxevents) epoll_pwait(sigmask) epoll_pwait(sigsetsize) epoll_pwait(timeout)
exit(status) exit_group(status) fcntl(arg) fcntl(cmd) fcntl(fd) fstat(buf) fstat(fd) fstatat(buf)
fstatat(dfd) fstatat(file_name) fstatat(flag) futex(futex)
futex(futex2) futex(op) futex(timeout) futex(uaddr2) futex(utime) futex(val) futex(val3) getdents64(count)
getdents64(dirp) getdents64(fd) getpeername(namelen) getpeername(s) getrandom(buf) getrandom(count)
getrandom(cpu) getrandom(flags) getsockname(namelen) getsockname(s) getsockopt(*optlen) getsockopt(level)
getsockopt(optname) getsockopt(s) listen(backlog) listen(s) lseek(offset) madvise(advice) madvise(length)
madvise(start) mmap(fd) mmap(flags) mmap(length) mmap(offset) mmap(prot) mmap(start) munmap(length)
munmap(start) nanosleep(rem) nanosleep(req) openat(dfd) openat(filename) openat(flags) openat(mode)
pipe2(filedes) poll(timeout) pread64(buf) pread64(count) pread64(fd) pread64(offset) prlimit64(new_rlim)
prlimit64(old_rlim) prlimit64(pid) prlimit64(resource) read(buf) read(count) read(fd) readlinkat(buf)
readlinkat(bufsiz) readlinkat(dfd) readlinkat(path) recvfrom(flags) recvfrom(fromlen) recvfrom(len)
recvfrom(s) socketcall.recvfrom(buf) socketcall.recvfrom(from) socketcall.recvfrom(fromlen_in) recvmsg(flags) recvmsg(msg) recvmsg(s) rt_sigaction(act) rt_sigaction(act->sa_flags)
rt_sigaction(act->sa_handler) rt_sigaction(act->sa_mask) rt_sigaction(act->sa_restorer) rt_sigaction(oldact)
rt_sigaction(signum) rt_sigaction(sigsetsize) rt_sigprocmask(how) rt_sigprocmask(oldset) rt_sigprocmask(set)
rt_sigprocmask(sigsetsize) sched_getaffinity(len) sched_getaffinity(mask) sched_getaffinity(pid)
sendmsg(flags) sendmsg(msg) sendmsg(msg.msg_iov) sendmsg(msg.msg_iov[0]) sendmsg(s) sendto(flags) sendto(len) sendto(s) sendto(to) sendto(tolen)
setsockopt(level) setsockopt(optlen) setsockopt(optname) setsockopt(optval) setsockopt(s) shutdown(how)
shutdown(s) sigaltstack(oss) sigaltstack(ss) socket(domain) socket(protocol) socket(type) tgkill(sig)
tgkill(tgid) tgkill(tid) uname(buf) wait4(options) wait4(pid) wait4(rusage) wait4(status) write(buf)
write(count) write(fd) fstatat(buf) fstatat(dfd) fstatat(file_name) fstatat(flag)"
{
	sed -n '/^# ---- header ----$/,/^# ---- end ----$/p' "$self" | sed '1d;$d'
	for k in $kinds; do
		i=0
		for n in $go_names; do
			i=$((i + 1))
			printf '{\n   go-%s-%d\n   Memcheck:%s\n   fun:%s\n}\n' "$k" "$i" "$k" "$n"
		done
	done
	# System calls Go makes itself (not through glibc), with arguments from
	# Go memory. The error's extra line (the parameter) takes no wildcard,
	# hence the list: every parameter memcheck checks for the system calls
	# the library makes (strace -f -c of the C tests), in memcheck's words.
	i=0
	for param in $go_syscall_params; do
		for frame in 'internal/runtime/syscall/*' 'syscall.*' 'runtime.*'; do
			i=$((i + 1))
			printf '{\n   go-syscall-%d\n   Memcheck:Param\n   %s\n   fun:%s\n}\n' "$i" "$param" "$frame"
		done
	done
	cat <<'END'
{
   go-threads-tls
   Memcheck:Leak
   match-leak-kinds: possible
   fun:calloc
   ...
   fun:_dl_allocate_tls
   ...
   fun:_cgo_try_pthread_create
}
{
   go-held-cmalloc
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:_cgo_*_Cfunc__Cmalloc
}
END
} >valgrind.supp
exit 0

# ---- header ----
# Valgrind suppressions for the Go half of libsecuresocket (make test-c).
# Generated by tests/c/gen_valgrind_supp.sh; edit that, not this file.
#
# Memcheck cannot see how Go manages memory: goroutine stacks live in Go's
# heap and move (copystack), the runtime switches stacks on every cgo call,
# and memcheck paints memory above a goroutine's stack pointer as dead. So Go
# code - the runtime, the standard library (net, crypto/tls), core and the Go
# half of capi - draws thousands of false "invalid read/write" and
# "uninitialised value" reports. Every suppression here is anchored on the
# innermost frame being Go code. Errors whose innermost frame is C - the C
# half of capi (ss_*, ssi_*: event queue, handle records, error strings),
# glibc called from it, and the tests - are never suppressed and fail the run.
#
# Where the C half copies memory Go hands it (strings in ssi_dup and
# ssi_intern), the valgrind build of the library (capi/build.sh --valgrind)
# marks exactly that range readable (SSI_GO_MEMORY, capi/capi.h) instead.
#
# Leaks: only C allocations are tracked (Go's heap is not malloc). Go's
# threads never exit, so glibc's per-thread blocks for them are "possibly
# lost" (suppressed below); definite leaks fail the run. One exception: a
# block Go itself allocated with C.malloc (go-pointer's 1-byte handles, which
# freed sockets keep as tombstones) is referenced only from Go's heap, which
# memcheck cannot always scan, so it may be reported lost at exit; such
# blocks, allocated from Go, are suppressed. Every malloc of the C half is
# still checked.
# ---- end ----
