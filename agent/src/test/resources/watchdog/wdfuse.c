/*
 * Test watchdog device: a FUSE file system with one file, "watchdog", that behaves like Linux's
 * /dev/watchdog (drivers/watchdog/watchdog_dev.c) as far as hagent uses it, for machines without
 * softdog. Compiled and mounted by the tests (WatchdogFuseDevice); not part of hagent.
 *
 *   wdfuse MOUNTPOINT EVENTLOG [-f ...fuse options]
 *
 * Semantics: open starts the timer (one opener at a time, EBUSY otherwise); any write is a
 * keepalive, and a write containing 'V' arms the magic close; close after the magic stops the
 * timer, close without it leaves the timer running (like the kernel: "watchdog did not stop!").
 * Ioctls (restricted FUSE ioctls work on a regular file because the WDIOC_* numbers encode their
 * sizes): WDIOC_GETSUPPORT, WDIOC_GETTIMEOUT, WDIOC_SETTIMEOUT (also a keepalive),
 * WDIOC_KEEPALIVE, WDIOC_GETTIMELEFT. When the timer runs out, "fired" is logged once and the
 * timer stops: a real watchdog would reset the machine here; the test decides what to do.
 *
 * Every event is one line in EVENTLOG: "<epoch ms> <event> [value]", flushed at once.
 */
#define FUSE_USE_VERSION 35
#include <errno.h>
#include <fuse.h>
#include <linux/watchdog.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *events;
static int opened;       /* a file descriptor is open */
static int armed;        /* the timer runs */
static int expect_close; /* the last write contained 'V' */
static int timeout_s = 60;
static struct timespec last_ping;

static long long epoch_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static double mono_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void event(const char *what, long value, int with_value) {
  if (with_value) {
    fprintf(events, "%lld %s %ld\n", epoch_ms(), what, value);
  } else {
    fprintf(events, "%lld %s\n", epoch_ms(), what);
  }
  fflush(events);
}

static void ping(void) { clock_gettime(CLOCK_MONOTONIC, &last_ping); }

static double ping_age(void) {
  return mono_s() - (last_ping.tv_sec + last_ping.tv_nsec / 1e9);
}

static void *timer_thread(void *unused) {
  (void)unused;
  for (;;) {
    struct timespec tick = {0, 50 * 1000 * 1000};
    nanosleep(&tick, NULL);
    pthread_mutex_lock(&lock);
    if (armed && ping_age() > timeout_s) {
      armed = 0;
      event("fired", timeout_s, 1);
    }
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static int wd_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  (void)fi;
  memset(st, 0, sizeof(*st));
  st->st_uid = getuid();
  st->st_gid = getgid();
  if (strcmp(path, "/") == 0) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  if (strcmp(path, "/watchdog") == 0) {
    st->st_mode = S_IFREG | 0600;
    st->st_nlink = 1;
    return 0;
  }
  return -ENOENT;
}

static int wd_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
  (void)off;
  (void)fi;
  (void)flags;
  if (strcmp(path, "/") != 0) {
    return -ENOENT;
  }
  fill(buf, ".", NULL, 0, 0);
  fill(buf, "..", NULL, 0, 0);
  fill(buf, "watchdog", NULL, 0, 0);
  return 0;
}

static int wd_open(const char *path, struct fuse_file_info *fi) {
  if (strcmp(path, "/watchdog") != 0) {
    return -ENOENT;
  }
  pthread_mutex_lock(&lock);
  if (opened) {
    pthread_mutex_unlock(&lock);
    return -EBUSY;
  }
  opened = 1;
  armed = 1;
  expect_close = 0;
  ping();
  event("open", timeout_s, 1);
  pthread_mutex_unlock(&lock);
  fi->direct_io = 1;
  fi->nonseekable = 1;
  return 0;
}

static int wd_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  (void)path;
  (void)size;
  (void)fi;
  return 0;
}

static int wd_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi) {
  (void)path;
  (void)off;
  (void)fi;
  pthread_mutex_lock(&lock);
  expect_close = memchr(buf, 'V', size) != NULL;
  ping();
  event(expect_close ? "keepalive-magic" : "keepalive", 0, 0);
  pthread_mutex_unlock(&lock);
  return (int)size;
}

static int wd_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  (void)fi;
  pthread_mutex_lock(&lock);
  opened = 0;
  if (expect_close) {
    armed = 0;
    event("close", 0, 0);
  } else {
    event("close-unexpected", 0, 0);
  }
  expect_close = 0;
  pthread_mutex_unlock(&lock);
  return 0;
}

static int wd_ioctl(const char *path, unsigned int cmd, void *arg, struct fuse_file_info *fi,
                    unsigned int flags, void *data) {
  (void)path;
  (void)arg;
  (void)fi;
  (void)flags;
  int rc = 0;
  pthread_mutex_lock(&lock);
  switch (cmd) {
    case WDIOC_GETSUPPORT: {
      struct watchdog_info info;
      memset(&info, 0, sizeof(info));
      info.options = WDIOF_SETTIMEOUT | WDIOF_MAGICCLOSE | WDIOF_KEEPALIVEPING;
      snprintf((char *)info.identity, sizeof(info.identity), "hagent test watchdog");
      memcpy(data, &info, sizeof(info));
      event("getsupport", 0, 0);
      break;
    }
    case WDIOC_GETTIMEOUT:
      memcpy(data, &timeout_s, sizeof(int));
      break;
    case WDIOC_SETTIMEOUT: {
      int t;
      memcpy(&t, data, sizeof(int));
      if (t < 1 || t > 65535) {
        rc = -EINVAL;
        break;
      }
      timeout_s = t;
      ping();
      memcpy(data, &timeout_s, sizeof(int));
      event("settimeout", t, 1);
      break;
    }
    case WDIOC_KEEPALIVE:
      ping();
      event("keepalive", 0, 0);
      break;
    case WDIOC_GETTIMELEFT: {
      int left = armed ? (int)(timeout_s - ping_age()) : 0;
      memcpy(data, &left, sizeof(int));
      break;
    }
    default:
      rc = -ENOTTY;
  }
  pthread_mutex_unlock(&lock);
  return rc;
}

static const struct fuse_operations ops = {
    .getattr = wd_getattr,
    .readdir = wd_readdir,
    .open = wd_open,
    .truncate = wd_truncate,
    .write = wd_write,
    .release = wd_release,
    .ioctl = wd_ioctl,
};

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MOUNTPOINT EVENTLOG [fuse options]\n", argv[0]);
    return 2;
  }
  events = fopen(argv[2], "a");
  if (events == NULL) {
    perror(argv[2]);
    return 1;
  }
  pthread_t timer;
  pthread_create(&timer, NULL, timer_thread, NULL);
  /* fuse_main gets: prog, mountpoint, -f (foreground), -s (one thread), extra options */
  char *fargs[16];
  int n = 0;
  fargs[n++] = argv[0];
  fargs[n++] = argv[1];
  fargs[n++] = "-f";
  fargs[n++] = "-s";
  for (int i = 3; i < argc && n < 15; i++) {
    fargs[n++] = argv[i];
  }
  fargs[n] = NULL;
  return fuse_main(n, fargs, &ops, NULL);
}
