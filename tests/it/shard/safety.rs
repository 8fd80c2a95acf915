//! The output folder's safety: `--force` and what it refuses, an `--out` that is a file, a
//! full disk and an interrupt leave no output and no staging folder.

use super::*;

#[test]
fn a_non_empty_out_is_refused_without_force_and_replaced_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.jsonl", records(5));
    let out = dir.path().join("out");
    write(&out, "old.txt", "old");
    let args = [
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--min-records-per-job",
        "1",
    ];
    let r = shard_run(&args, None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is not empty; use --force to replace it"),
        "{}",
        r.stderr
    );
    assert_eq!(names(&out), vec!["old.txt"]);
    let r = shard_run(&[&args[..], &["--force"]].concat(), None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(names(&out), vec!["job-001", "manifest.json"]);
    assert_eq!(
        names(dir.path()),
        vec!["in.jsonl", "out"],
        "nothing left beside it"
    );
    // An empty folder is fine without --force.
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let r = shard_run(
        &[
            p.to_str().unwrap(),
            "--out",
            empty.to_str().unwrap(),
            "--min-records-per-job",
            "1",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(names(&empty), vec!["job-001", "manifest.json"]);
}

#[test]
fn force_refuses_an_out_that_holds_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "data/in.jsonl", records(5));
    let data = dir.path().join("data");
    let r = shard_run(
        &[
            data.to_str().unwrap(),
            "--out",
            data.to_str().unwrap(),
            "--force",
            "--min-records-per-job",
            "1",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("holds the input"), "{}", r.stderr);
    assert_eq!(fs::read_to_string(p).unwrap(), records(5));
    assert_eq!(names(dir.path()), vec!["data"]);
}

#[test]
fn an_out_that_is_a_file_is_a_tool_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "in.jsonl", records(5));
    let r = shard_run(
        &[
            p.to_str().unwrap(),
            "--out",
            p.to_str().unwrap(),
            "--min-records-per-job",
            "1",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("exists and is not a folder"),
        "{}",
        r.stderr
    );
}

/// A tmpfs of 1 MiB, unmounted on drop; `None` where mounting is not allowed.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path) -> Option<SmallDisk> {
        fs::create_dir_all(at).ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(at)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| SmallDisk(at.to_path_buf()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_leaves_no_output_and_no_staging_folder() {
    let dir = tempfile::tempdir().unwrap();
    let input: String = (0..2000).map(|i| padded(i, 600) + "\n").collect(); // ~1.3 MB
    let p = write(dir.path(), "in.jsonl", &input);
    let Some(disk) = SmallDisk::mount(&dir.path().join("disk")) else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    for extra in [
        &[][..],
        &["--no-mmap"][..],
        &["--on-invalid", "quarantine"][..],
    ] {
        let out = disk.0.join("out");
        let mut args = vec![
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--min-records-per-job",
            "1",
        ];
        args.extend_from_slice(extra);
        let r = shard_run(&args, None);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("cannot write"), "{}", r.stderr);
        assert!(r.stderr.contains("No space left on device"), "{}", r.stderr);
        assert!(
            names(&disk.0).is_empty(),
            "left behind: {:?}",
            names(&disk.0)
        );
    }
    // With --force over an existing output, the old one is kept intact.
    let out = disk.0.join("out");
    let small = write(dir.path(), "small.jsonl", records(5));
    let r = shard_run(
        &[
            small.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--min-records-per-job",
            "1",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let before = fs::read(out.join("manifest.json")).unwrap();
    let r = shard_run(
        &[
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--min-records-per-job",
            "1",
            "--force",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(names(&disk.0), vec!["out"]);
    assert_eq!(fs::read(out.join("manifest.json")).unwrap(), before);
    drop(disk);
}

#[cfg(unix)]
#[test]
fn an_interrupt_leaves_no_output_and_no_staging_folder() {
    use std::io::Write;
    use std::process::{Command as Std, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("bedrock-batch"))
        .args([
            "shard",
            "-",
            "--out",
            out.to_str().unwrap(),
            "--min-records-per-job",
            "1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(records(10).as_bytes()).unwrap();
    stdin.flush().unwrap();
    // The staging folder appears once the run has started (and its handler is installed).
    let mut waited = 0;
    while !names(dir.path()).iter().any(|n| n.starts_with(".out.tmp-")) {
        assert!(waited < 60_000, "the staging folder never appeared");
        std::thread::sleep(std::time::Duration::from_millis(20));
        waited += 20;
    }
    let killed = Std::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    stdin.write_all(records(10).as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
    assert!(
        names(dir.path()).is_empty(),
        "left behind: {:?}",
        names(dir.path())
    );
}
