"""The training package and the train command import no heavy library until a run needs it."""

import subprocess
import sys

HEAVY = ("torch", "transformers", "trl", "peft", "datasets", "accelerate")


def test_importing_the_training_package_loads_no_heavy_library():
    code = (
        "import sys\n"
        "import saber_agent.training.cases, saber_agent.training.sft_examples, saber_agent.training.swift\n"
        "import saber_agent.training.pairs, saber_agent.training.config\n"
        "import saber_agent.training.sft, saber_agent.training.dpo, saber_agent.training.modeling\n"
        "import saber_agent.training.progress, saber_agent.training.tiny, saber_agent.training.text_emotion\n"
        "import saber_agent.commands.train\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
