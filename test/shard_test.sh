#!/bin/sh
# shard_test.sh PIXELRTS README: the README's recipes for one conversion across machines
# (section "One conversion across machines: `--shard`"), taken from the README as written:
# the Slurm job array's script run once per array index, the Kubernetes indexed Job's
# command once per completion index, and the GNU parallel recipe run for real (local jobs,
# `--sshlogin :`), with one shard failing (an output blocked by a folder) and one killed
# (SIGKILL) on the first run, then the same command run again.  Each time the union of the
# shards' outputs must be what one `pixelrts convert DIR OUTDIR --parallel --recursive`
# writes: the same files, byte for byte, each converted by exactly one shard (reports
# merged with the README's jq line), none missed; the re-run must leave the shards that
# succeeded alone.  Skipped (77) without GNU parallel or jq.
set -u
cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
readme=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
for tool in parallel jq python3; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "skip: $tool not found (Debian package $tool)"
        exit 77
    fi
done
. "$(dirname "$0")/check.sh"
cd "$dir" || exit 1

# GNU parallel keeps its state in ~/.parallel; will-cite: no citation notice on stderr
export HOME="$dir/home"
mkdir -p "$HOME/.parallel" && touch "$HOME/.parallel/will-cite"

# the recipe named `name` in the README (the fenced block after "<!-- recipe: name"), or fail
recipe() {
    python3 - "$readme" "$1" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"^<!-- recipe: %s\b.*?-->\n```\w*\n(.*?)^```" % re.escape(sys.argv[2]), text,
              re.S | re.M)
if not m:
    sys.exit("README.md has no recipe '%s'" % sys.argv[2])
sys.stdout.write(m.group(1))
EOF
}

# `pixelrts` as the recipes call it: this build's, through a wrapper that can kill itself
# (SIGKILL, as a machine lost mid-run) once for the shard named in $dir/kill-shard
mkdir bin
cat >bin/pixelrts <<EOF
#!/bin/sh
for a in "\$@"; do
    if [ -e '$dir/kill-shard' ] && [ "\$a" = "\$(cat '$dir/kill-shard')" ]; then
        rm -f '$dir/kill-shard'
        kill -KILL \$\$
    fi
done
exec '$cli' "\$@"
EOF
chmod +x bin/pixelrts
export PATH="$dir/bin:$PATH"

# the input tree: 20 files over nested folders, from empty to 300 kB, a name with a space
make_tree() {
    mkdir -p "$1/a/deep/er" "$1/b" "$1/c d"
    i=0
    for f in a/x.bin a/y.txt a/deep/k.bin a/deep/er/z.bin a/deep/er/empty b/1 b/2 b/3 \
             "c d/with space.bin" top.bin t2 t3 t4 t5 t6 t7 t8 t9 a/deep/q b/zz; do
        i=$((i + 1))
        head -c $((i * i * 751)) /dev/urandom >"$1/$f"
    done
    : >"$1/a/deep/er/empty"
    seq 1 20000 >"$1/a/y.txt"
}

# compare an output tree with the one-machine conversion: same files, same bytes
same_as_reference() { # same_as_reference WHAT OUTDIR
    check "$1: the same files as one machine writes" 0 sh -c "(cd '$2' && find . -type f | LC_ALL=C sort) >got.list && (cd ref && find . -type f | LC_ALL=C sort) >want.list && cmp want.list got.list"
    check "$1: every file byte for byte" 0 diff -r ref "$2"
}

# merged reports (the README's jq line): every input once, every one a success
reports_cover() { # reports_cover WHAT REPORTDIR INDIR: INDIR as the shards were given it
    check "$1: reports merged with jq" 0 sh -c "jq -s 'add' $2/shard-*.json >results.json"
    check "$1: every input in one report, once" 0 sh -c "jq -r '.[].input_path | ltrimstr(\"$3/\")' results.json | LC_ALL=C sort >inputs.got && (cd ref.in && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >inputs.want && cmp inputs.want inputs.got"
    check "$1: every one converted" 0 test "$(jq '[.[] | select(.success)] | length' results.json)" -eq 20
}

make_tree ref.in
check "one machine: convert --parallel --recursive" 0 "$cli" convert ref.in ref --parallel --recursive
check "one machine: 20 files, 40 outputs" 0 test "$(find ref -type f | wc -l)" -eq 40

# ---- Slurm: the job script once per array index ----------------------------------------
recipe slurm >convert.sh || exit 1
check "slurm: the script's array is 1-8" 0 grep -q '^#SBATCH --array=1-8$' convert.sh
mkdir slurm && cp -r ref.in slurm/in
for k in 1 2 3 4 5 6 7 8; do
    check "slurm: array task $k" 0 sh -c "cd slurm && SLURM_ARRAY_TASK_ID=$k SLURM_CPUS_PER_TASK=2 sh ../convert.sh"
done
same_as_reference slurm slurm/out
reports_cover slurm slurm/reports in

# ---- Kubernetes: the Job's command once per completion index ------------------------
# the container's args: one YAML plain scalar, its lines folded into one with spaces
recipe kubernetes | python3 -c '
import re, sys
m = re.search(r"^( *)args:\n\1  - (.*?)\n(?=\1\S)", sys.stdin.read(), re.S | re.M)
print(" ".join(line.strip() for line in m.group(2).split("\n")))' >job.sh || exit 1
check "kubernetes: shard K = index + 1 of 8" 0 grep -qF -- '--shard "$((JOB_COMPLETION_INDEX + 1))/8"' job.sh
sed -i "s|/data/|$dir/k8s/|g" job.sh
mkdir k8s && cp -r ref.in k8s/in
for i in 0 1 2 3 4 5 6 7; do
    check "kubernetes: completion index $i" 0 env JOB_COMPLETION_INDEX=$i sh job.sh
done
same_as_reference kubernetes k8s/out
reports_cover kubernetes k8s/reports "$dir/k8s/in"

# ---- GNU parallel, for real: a failed shard and a killed one, then the same command ----
recipe gnu-parallel >gnu.sh || exit 1
check "gnu-parallel: the recipe's hosts" 0 grep -q -- '--sshlogin node1,node2,node3,node4 ' gnu.sh
# local jobs (`:` is GNU parallel's name for this machine, no ssh), the shared folder here
sed -i -e 's/--sshlogin node1,node2,node3,node4 /--sshlogin : /' -e "s|/shared/|$dir/shared/|g" gnu.sh
mkdir shared && cp -r ref.in shared/in
# shard 2 gets the sorted list's index 1: a folder at its output makes it fail (exit 1)
blocked=$(cd shared/in && find . -type f | sed 's|^\./||' | LC_ALL=C sort | sed -n 2p)
mkdir -p "shared/out/$blocked.rts.png"
echo 5/8 >kill-shard # shard 5 is killed (SIGKILL) the first time it starts
check "gnu-parallel: first run, 2 shards fail" 2 sh gnu.sh
check "gnu-parallel: shard 2 exited 1" 0 sh -c "awk -F'\t' '\$1 == 2 && \$7 == 1 && \$8 == 0' shared/reports/joblog | grep -q ."
# killed: the signal, or 128 + 9 from the shell that ran the command line
check "gnu-parallel: shard 5 was killed" 0 sh -c "awk -F'\t' '\$1 == 5 && (\$8 == 9 || \$7 == 137)' shared/reports/joblog | grep -q ."
check "gnu-parallel: the other 6 succeeded" 0 test "$(awk -F'\t' 'NR > 1 && $7 == 0 && $8 == 0' shared/reports/joblog | wc -l)" -eq 6
check "gnu-parallel: the blocked file has no output" 0 test -d "shared/out/$blocked.rts.png"
# what the shards that succeeded wrote (index i of the sorted list in shard i % 8 + 1): the
# re-run must not touch it (same inodes: an output is replaced by a rename, a new inode)
(cd shared/in && find . -type f | sed 's|^\./||' | LC_ALL=C sort) |
    awk '(NR - 1) % 8 != 1 && (NR - 1) % 8 != 4' >others.list
inodes() {
    while IFS= read -r f; do
        stat -c '%i %n' "shared/out/$f.rts.png" "shared/out/$f.rts.png.meta.json"
    done <others.list
}
inodes >before.inodes
rmdir "shared/out/$blocked.rts.png" # the cause fixed
check "gnu-parallel: the same command again" 0 sh gnu.sh
check "gnu-parallel: only shards 2 and 5 ran again" 0 test "$(awk -F'\t' 'NR > 9 {print $1}' shared/reports/joblog | LC_ALL=C sort | tr '\n' ' ')" = "2 5 "
check "gnu-parallel: a third run runs nothing" 0 sh -c "sh gnu.sh && test \$(wc -l <shared/reports/joblog) -eq 11"
same_as_reference gnu-parallel shared/out
reports_cover gnu-parallel shared/reports "$dir/shared/in"
# the shards that succeeded first were not converted twice: their files are the same ones
check "gnu-parallel: the 6 shards' 30 outputs recorded" 0 test "$(wc -l <before.inodes)" -eq 30
inodes >after.inodes
check "gnu-parallel: ... and not written again" 0 cmp before.inodes after.inodes
finish
