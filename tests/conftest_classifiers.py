"""A tiny synthetic data set for the classifier tests (imported by test_classifiers.py).

Forty-two short news-like sentences with three multi-label frames and one stance target.
Every text is invented for the tests.
"""

from __future__ import annotations

import numpy as np

#: Frame labels in "codebook order"; ``sovereignty`` never occurs in the data on purpose.
FRAMES = ["cooperation", "blame", "sovereignty", "public_health"]
STANCE = ["FAVOR", "AGAINST", "NONE"]

_COOP = [
    "The two countries agreed to share intelligence on drug shipments.",
    "Officials from both sides held talks on joint investigations.",
    "A working group met in Beijing to coordinate counternarcotics action.",
    "The agencies will cooperate on tracing precursor chemicals.",
    "Both governments signed a memorandum on information sharing.",
    "Police from the two nations ran a joint operation against traffickers.",
    "The delegations pledged to work together against fentanyl.",
    "Customs officers exchanged case files under the bilateral agreement.",
]
_BLAME = [
    "Washington keeps blaming others instead of fixing its own crisis.",
    "The report accused Beijing of doing too little to stop exports.",
    "Critics said the crisis is the fault of lax prescription rules.",
    "The minister blamed foreign suppliers for the flood of pills.",
    "Officials pointed fingers at cartels for the rising death toll.",
    "The editorial said the government failed to curb demand at home.",
    "Lawmakers accused the agency of ignoring warnings for years.",
    "The spokesperson said scapegoating others will not end the crisis.",
]
_HEALTH = [
    "Overdose deaths rose sharply in several states last year.",
    "Hospitals reported more patients treated for opioid poisoning.",
    "Doctors called for wider access to naloxone and treatment.",
    "Addiction clinics are struggling to meet demand for care.",
    "The health department warned of counterfeit pills laced with fentanyl.",
    "Public health experts urged more funding for recovery programmes.",
]
_COOP_BLAME = [
    "Talks resumed, but each side blamed the other for the delays.",
    "Joint work stalled after officials accused partners of bad faith.",
    "The working group met again despite accusations of broken promises.",
    "Cooperation suffered as both governments traded blame over sanctions.",
]
_HEALTH_BLAME = [
    "Overdose deaths climbed because regulators failed to act, critics said.",
    "Doctors blamed aggressive marketing for the addiction epidemic.",
    "Patients suffered as officials ignored the treatment shortage.",
]
_NONE = [
    "The conference will open in Vienna on Monday.",
    "The ministry published its annual report on Friday.",
    "Weather delayed several flights at the capital's airport.",
    "The museum announced a new exhibition of ancient bronzes.",
    "Trade figures for the third quarter were released today.",
    "A new bridge over the river opened to traffic this week.",
    "The city hosted a marathon with thousands of runners.",
    "Schools reopened after the spring holiday.",
    "The central bank kept interest rates unchanged.",
    "Farmers expect a good harvest after the rains.",
    "A film festival drew large crowds downtown.",
    "The train line will be extended next year.",
    "Visitors crowded the new botanical garden.",
]


def frame_data() -> tuple[list[str], list[list[str]]]:
    """Texts and their frame-name lists (42 texts)."""
    texts, y = [], []
    for group, labels in (
        (_COOP, ["cooperation"]),
        (_BLAME, ["blame"]),
        (_HEALTH, ["public_health"]),
        (_COOP_BLAME, ["cooperation", "blame"]),
        (_HEALTH_BLAME, ["public_health", "blame"]),
        (_NONE, []),
    ):
        texts += group
        y += [list(labels) for _ in group]
    return texts, y


def frame_matrix() -> tuple[list[str], np.ndarray]:
    """Texts and an indicator matrix aligned with :data:`FRAMES`."""
    texts, y = frame_data()
    Y = np.array([[int(f in row) for f in FRAMES] for row in y])
    return texts, Y


def stance_data() -> tuple[list[str], np.ndarray]:
    """Texts with a stance class each: cooperation FAVOR, blame AGAINST, the rest NONE."""
    texts, y = frame_data()
    out = []
    for row in y:
        if "blame" in row:
            out.append("AGAINST")
        elif "cooperation" in row:
            out.append("FAVOR")
        else:
            out.append("NONE")
    return texts, np.array(out, dtype=object)


#: Cue phrases per frame, as a codebook would give them.
FRAME_CUES = {
    "cooperation": ["cooperat", "joint", "work together", "working group", "talks", "agreement", "share"],
    "blame": ["blame", "accus", "fault", "failed to", "pointed fingers", "scapegoat", "ignor"],
    "sovereignty": ["sovereign", "interference", "internal affairs"],
    "public_health": ["overdose", "hospital", "treatment", "addiction", "naloxone", "health"],
}
STANCE_CUES = {
    "FAVOR": ["cooperat", "joint", "work together", "agreement", "share"],
    "AGAINST": ["blame", "accus", "fault", "failed to", "scapegoat", "ignor"],
}
FRAME_PROTOTYPES = {
    "cooperation": ["Governments work together against drugs: talks, joint operations, information sharing."],
    "blame": ["Someone is blamed or accused of causing the drug crisis."],
    "sovereignty": ["A country rejects interference in its internal affairs."],
    "public_health": ["Overdoses, addiction, hospitals and treatment of drug users."],
}
STANCE_PROTOTYPES = {
    "FAVOR": ["Cooperation between the countries is praised and continues."],
    "AGAINST": ["The government is blamed and accused of failures."],
    "NONE": ["An unrelated neutral news report about a city event."],
}
