"""No upload is dropped without a word: a small script in the page's head that watches the three pickers.

Gradio's pickers refuse a file before it is uploaded, in the browser: the Video tab takes only what the browser
calls ``video/*`` (a GIF is ``image/gif``, a PNG ``image/png``, an MXF often nothing), the Audio tab ``audio/*``, the
file picker the extensions of `saber_agent.media_formats`. The refusal was a toast that faded in seconds ("Only
video/x-m4v,video/* allowed."), then Analyse said "No clip was given" (trial D: an animated GIF on the Video tab).

The script runs before Gradio's own handlers (a capture-phase listener on the document, for a file chosen or
dropped). A file that a tab refuses but the project reads (its extension is in `MEDIA_SUFFIXES`) is handed to the
file picker ("Picture or other file" tab, which takes every listed extension) and that tab is opened; a file no
picker takes is refused with a message that stays on the page (``#saber-upload-note``) naming the file and the
accepted types. Messages are set with ``textContent`` (a file name is never read as HTML).
"""

from __future__ import annotations

import json

NOTE_ID = "saber-upload-note"
FILE_TAB = "Picture or other file"  # the label of the tab whose picker takes every listed extension

_SCRIPT = """
<script>
(() => {
  const MEDIA = new Set(__SUFFIXES__);
  const ACCEPTED = __ACCEPTED__;
  const PICKERS = {"saber-video": "video/", "saber-audio": "audio/"};
  const suffix = (name) => { const i = name.lastIndexOf("."); return i < 0 ? "" : name.slice(i).toLowerCase(); };
  const note = (text) => {
    const box = document.getElementById("__NOTE__");
    if (!box) return;
    box.textContent = text;
    box.style.display = text ? "block" : "none";
  };
  const fileInput = () => document.querySelector("#saber-file input[type=file]");
  const fileTab = () => [...document.querySelectorAll("button[role=tab]")].find(b => b.textContent.trim() === "__TAB__");
  const handOver = (file, attempt = 0) => {
    const input = fileInput();
    if (!input) {
      if (attempt === 0) {
        const tab = fileTab();
        if (tab) tab.click();
      }
      if (attempt < 40) setTimeout(() => handOver(file, attempt + 1), 100);
      else note(`“${file.name}” was not taken: open the “__TAB__” tab and upload it there.`);
      return;
    }
    const tab = fileTab();
    if (tab && tab.getAttribute("aria-selected") !== "true") tab.click();
    const moved = new DataTransfer();
    moved.items.add(file);
    input.files = moved.files;
    input.dispatchEvent(new Event("change", {bubbles: true}));
    note(`“${file.name}” is not a video or audio file your browser plays, so it was moved to the “__TAB__” tab, which takes it.`);
  };
  const guard = (event, files) => {
    const picker = event.target.closest && event.target.closest("#saber-video, #saber-audio, #saber-file");
    if (!picker || !files || !files.length) return;
    const file = files[0];
    if (picker.id === "saber-file") {
      if (MEDIA.has(suffix(file.name))) { note(""); return; }
      event.stopImmediatePropagation(); event.preventDefault();
      if (event.target.value !== undefined && event.type === "change") event.target.value = "";
      note(`“${file.name}” was not uploaded: it is not a media file. Upload ${ACCEPTED}.`);
      return;
    }
    const kind = PICKERS[picker.id];
    if ((file.type || "").startsWith(kind)) { note(""); return; }
    event.stopImmediatePropagation(); event.preventDefault();
    if (event.type === "change") event.target.value = "";
    if (MEDIA.has(suffix(file.name))) { handOver(file); return; }
    note(`“${file.name}” was not uploaded: it is not a media file. Upload ${ACCEPTED}.`);
  };
  document.addEventListener("change", (e) => {
    if (e.target instanceof HTMLInputElement && e.target.type === "file" && e.isTrusted !== false) guard(e, e.target.files);
  }, true);
  document.addEventListener("drop", (e) => guard(e, e.dataTransfer && e.dataTransfer.files), true);
})();
</script>
"""


def upload_guard_head(suffixes, accepted_text: str) -> str:
    """The ``<script>`` for the page's head (Gradio's ``launch(head=...)``): `suffixes` the extensions every entry
    point reads (`MEDIA_SUFFIXES`), `accepted_text` them in words (`media_types_text()`)."""
    return (_SCRIPT.replace("__SUFFIXES__", json.dumps(sorted(suffixes)))
            .replace("__ACCEPTED__", json.dumps(accepted_text))
            .replace("__NOTE__", NOTE_ID).replace("__TAB__", FILE_TAB))
