import os
import subprocess
import sys

from saber_agent.native_logs import filtered_stderr, is_noise, native_logs_filtered

NOISE = [
    "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "W0000 00:00:1796045886.181644    6801 inference_feedback_manager.cc:114] Feedback manager requires a model "
    "with a single signature inference. Disabling support for feedback tensors.",
    "I0000 00:00:1796045886.717262    6802 gl_context.cc:357] GL version: 3.2",
]
KEPT = [
    "E0000 00:00:1796045887.039097    6802 calculator_graph.cc:887] a real native error",
    "saber-agent: cannot read input: not a media file",
    "WARNING: something else entirely",
]


def test_the_pattern_drops_info_and_warning_lines_only():
    assert all(is_noise(line.encode()) for line in NOISE)
    assert not any(is_noise(line.encode()) for line in KEPT)


def test_native_writes_to_descriptor_2_are_filtered_and_the_rest_kept(capfd):
    lines = NOISE + KEPT
    script = "import sys; sys.stderr.write(sys.argv[1])"
    with filtered_stderr(enabled=True):
        # a child process writes to the inherited descriptor 2, as MediaPipe's C++ code does
        subprocess.run([sys.executable, "-c", script, "\n".join(lines) + "\n"], check=True)
        os.write(2, b"written by this process to descriptor 2\n")
        print("python stderr line", file=sys.stderr)
    err = capfd.readouterr().err
    assert all(line in err for line in KEPT)
    assert "written by this process to descriptor 2" in err and "python stderr line" in err
    assert not any(line in err for line in NOISE)
    os.write(2, NOISE[0].encode() + b"\n")  # after the block descriptor 2 is the original again
    assert NOISE[0] in capfd.readouterr().err


def test_disabled_passes_everything(capfd):
    with filtered_stderr(enabled=False):
        os.write(2, NOISE[0].encode() + b"\n")
    assert NOISE[0] in capfd.readouterr().err


def test_the_command_line_hides_mediapipes_lines(tmp_path):
    from saber_agent.api import sample_clip

    env = {k: v for k, v in os.environ.items() if k not in ("SABER_AGENT_NATIVE_LOGS", "SABER_AGENT_DEBUG")}
    cmd = [sys.executable, "-m", "saber_agent.cli", "analyze", sample_clip(), "--plugins", "face", "--max-looks", "0"]
    quiet = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert quiet.returncode == 0, quiet.stderr
    assert "XNNPACK" not in quiet.stderr and "inference_feedback_manager" not in quiet.stderr
    loud = subprocess.run(cmd, capture_output=True, text=True, env=env | {"SABER_AGENT_NATIVE_LOGS": "1"}, timeout=300)
    assert "XNNPACK" in loud.stderr  # the filter, not a quiet library, is what hides them


def test_a_progress_bar_without_a_newline_shows_before_the_block_ends(capfd):
    import time

    with filtered_stderr(enabled=True):
        os.write(2, b"\r 50%|#####     | 5/10")
        deadline = time.monotonic() + 3
        seen = ""
        while "5/10" not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
            seen += capfd.readouterr().err
        assert "5/10" in seen  # forwarded while the block still runs (tqdm redraws with \r, no newline)
        os.write(2, b"I0000 00:00:1796045886.1 6801 gl_context.cc:357] GL version: 3.2")
        os.write(2, b"\n")
    assert "GL version" not in seen + capfd.readouterr().err  # a noise line written in pieces is still dropped


def test_the_python_api_hides_mediapipes_lines_where_the_models_start(face_speech_clip):
    # the API runs without the command line's filter: the lines are dropped where MediaPipe's graphs are built
    # and first run (plugins/landmarks.py); face (tracker, mesh) and body (pose) are MediaPipe's three graphs
    script = (
        "import sys, logging\n"
        "from saber_agent.api import analyze\n"
        "from saber_agent.settings import AnalysisSettings\n"
        "result = analyze(sys.argv[1], AnalysisSettings(plugins=['face', 'body'], reperception_budget={'max_calls': 0}))\n"
        "assert result.evidence.slot('facial_exp_desc').ok, result.evidence.slot('facial_exp_desc')\n"
        "print(result.evidence.slot('body_lang_desc').measurements.get('backend'))\n"
        "logging.getLogger('saber_agent').warning('our own warning stays')\n"
        "sys.stderr.write('E0000 00:00:1796045887.039097    6802 calculator_graph.cc:887] a real native error\\n')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SABER_AGENT_NATIVE_LOGS", "SABER_AGENT_DEBUG")}
    done = subprocess.run([sys.executable, "-c", script, str(face_speech_clip)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    for line in ("XNNPACK", "absl::InitializeLog", "inference_feedback_manager", "landmark_projection_calculator", "W0000"):
        assert line not in done.stderr, done.stderr
    assert "our own warning stays" in done.stderr and "a real native error" in done.stderr


def test_the_shared_filter_outlives_overlapping_threads_in_any_order(capfd):
    import threading

    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with native_logs_filtered():
            first_in.set()
            second_in.wait(5)
        first_out.set()  # leaves while the second thread is still inside: not the order it came in

    def second():
        first_in.wait(5)
        with native_logs_filtered():
            second_in.set()
            first_out.wait(5)
            os.write(2, NOISE[0].encode() + b"\n" + KEPT[0].encode() + b"\n")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    err = capfd.readouterr().err
    assert KEPT[0] in err and NOISE[0] not in err
    os.write(2, NOISE[0].encode() + b"\n")  # both out: descriptor 2 is the original again
    assert NOISE[0] in capfd.readouterr().err
