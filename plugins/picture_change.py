"""Moved to the foundation: `saber_agent.picture_change` (the one still-picture decision per clip), so that the
second-look rule and the speakers' face tracks compute it on demand whatever tools run, without importing a
plugin. This module re-exports it for code that imports the old name."""

from saber_agent.picture_change import (  # noqa: F401
    CHANGE_LEVEL,
    FLOW_SIDE,
    PICTURE_CHANGE_KEY,
    STILL_SHARE,
    PictureChange,
    __all__,
    changed_share,
    grey_frames,
    measure,
    picture_change,
)
