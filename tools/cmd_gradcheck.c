/* ganc gradcheck [OP_OR_CASE...] [--precision f32|f64|both] [--list]
 * The float64 checks run in bin/ganc-f64, the CPU build with real = double,
 * which this command runs from beside itself. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/gradcheck/gradcheck.h"
#include "tools/commands.h"

static bool selected(const gradcheck_case *c, int n_names, char **names) {
    if (n_names == 0) return true;
    for (int i = 0; i < n_names; i++)
        if (strcmp(names[i], op_name(c->op)) == 0 || strcmp(names[i], c->name) == 0) return true;
    return false;
}

static int run_here(int n_names, char **names) {
    int passed = 0, failed = 0, matched = 0;
    for (size_t i = 0; i < gradcheck_case_count(); i++) {
        const gradcheck_case *c = gradcheck_case_at(i);
        if (!selected(c, n_names, names)) continue;
        matched++;
        gradcheck_result r;
        ganc_status st = gradcheck_run(c, &r);
        if (st) {
            printf("FAIL %-34s %-18s could not run: %s\n", c->name, op_name(c->op), ganc_error_message());
            failed++;
        } else {
            printf("%s %-34s %-18s max error %.2e (bound %.0e, %zu elements)%s%s\n", r.passed ? "ok  " : "FAIL",
                   c->name, op_name(c->op), r.max_error, r.tolerance, r.checked, r.passed ? "" : ": ",
                   r.passed ? "" : r.message);
            r.passed ? passed++ : failed++;
        }
    }
    if (!matched) {
        fprintf(stderr, "gradcheck: no op or case named");
        for (int i = 0; i < n_names; i++) fprintf(stderr, " \"%s\"", names[i]);
        fprintf(stderr, " (see `ganc gradcheck --list`)\n");
        return 2;
    }
    printf("gradcheck %s: %d passed, %d failed\n", REAL_NAME, passed, failed);
    return failed ? 1 : 0;
}

/* The other-precision binary's path (beside this one) into path; false
 * with a message when it is not there or cannot be run. */
static bool find_sibling(const char *sibling, char path[PATH_MAX]) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, PATH_MAX - 1);
    if (n <= 0) {
        fprintf(stderr, "ganc gradcheck: cannot locate this executable to find %s\n", sibling);
        return false;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    snprintf(path, PATH_MAX, "%.*s/%s", (int)(slash ? slash - self : 0), self, sibling);
    if (access(path, X_OK) == 0) return true;
    fprintf(stderr, "ganc gradcheck: the %s checks run in %s, which is missing or not executable: %s (build it "
                    "with `make bin/%s`, or choose --precision %s)\n",
            REAL_IS_DOUBLE ? "float32" : "float64", path, strerror(errno), sibling, REAL_IS_DOUBLE ? "f64" : "f32");
    return false;
}

/* Runs the same selection in the other-precision binary at `path`. */
static int run_sibling(const char *path, int n_names, char **names) {
    char *args[64] = {(char *)path, "gradcheck", "--precision", "here"};
    int k = 4;
    for (int i = 0; i < n_names && k < 63; i++) args[k++] = names[i];
    args[k] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execv(path, args);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) == 127) {
        fprintf(stderr, "ganc gradcheck: %s did not run to its end\n", path);
        return 1;
    }
    return WEXITSTATUS(status);
}

int cmd_gradcheck(int argc, char **argv) {
    const char *precision = "both";
    char *names[64];
    int n_names = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--precision") == 0 && i + 1 < argc) {
            precision = argv[++i];
        } else if (strcmp(argv[i], "--list") == 0) {
            for (size_t k = 0; k < gradcheck_case_count(); k++)
                printf("%-34s %s\n", gradcheck_case_at(k)->name, op_name(gradcheck_case_at(k)->op));
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: ganc gradcheck [OP|CASE ...] [--precision f32|f64|both] [--list]\n"
                   "Checks every op's backward pass against central differences (float64 bound 1e-6, float32\n"
                   "looser); exits 1 when a check fails or cannot run.\n"
                   "  OP|CASE       only these ops or cases (default: all; --list names them)\n"
                   "  --precision   f32, f64 or both (default both; f64 runs bin/ganc-f64, which must be built)\n"
                   "  --list        list the cases and their ops, run nothing\n"
                   "  --help        this text\n");
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "ganc gradcheck: unknown option %s (see ganc gradcheck --help)\n", argv[i]);
            return 2;
        } else if (n_names < 64) {
            names[n_names++] = argv[i];
        }
    }
    const char *mine = REAL_IS_DOUBLE ? "f64" : "f32";
    if (strcmp(precision, "here") == 0 || strcmp(precision, mine) == 0) return run_here(n_names, names);
    if (strcmp(precision, "f32") != 0 && strcmp(precision, "f64") != 0 && strcmp(precision, "both") != 0) {
        fprintf(stderr, "gradcheck: --precision must be f32, f64 or both, got \"%s\"\n", precision);
        return 2;
    }
    const char *sibling = REAL_IS_DOUBLE ? "ganc" : "ganc-f64";
    char path[PATH_MAX];
    if (!find_sibling(sibling, path)) return 1;
    if (strcmp(precision, "both") == 0) {
        int here = run_here(n_names, names);
        if (here == 2) return 2;
        int there = run_sibling(path, n_names, names);
        return here ? here : there;
    }
    return run_sibling(path, n_names, names);
}
