"""Makes ketachart/resources/sounds/overdue-alarm.wav, the overdue check's alarm sound.

    python scripts/make_alarm_sound.py     # rewrites the shipped file (byte for byte the same)

The sound is made here, with Python's `wave` module, rather than taken from somewhere: it is
ours to ship, and anyone can see and remake it. It follows the pattern of a medium-priority
alarm in IEC 60601-1-8 (a burst of three pulses, rising C5-E5-G5), which nurses know from
monitors and pumps: each pulse is 200 ms with 10 ms rises and falls, its fundamental and four
harmonics (a pure sine is hard to locate in a room and vanishes on small speakers), 100 ms
between pulses. 16-bit mono PCM at 22 050 Hz plays on every sound stack (Windows, PulseAudio,
PipeWire, ALSA) without a decoder. The output is deterministic, and a test checks that the
shipped file is exactly what this script makes.
"""

from __future__ import annotations

import io
import math
import struct
import sys
import wave
from pathlib import Path

RATE = 22_050
PULSE_HZ = (523.25, 659.25, 783.99)  # C5, E5, G5
PULSE_S = 0.200
GAP_S = 0.100
RAMP_S = 0.010
HARMONICS = (1.0, 0.5, 0.33, 0.25, 0.2)
PEAK = 0.6  # of full scale: loud, never clipped
TARGET = Path(__file__).resolve().parent.parent / "ketachart/resources/sounds/overdue-alarm.wav"


def pulse(frequency: float) -> list[float]:
    count = round(PULSE_S * RATE)
    ramp = round(RAMP_S * RATE)
    norm = sum(HARMONICS)
    samples = []
    for i in range(count):
        t = i / RATE
        value = sum(
            a * math.sin(2 * math.pi * frequency * (k + 1) * t) for k, a in enumerate(HARMONICS)
        )
        envelope = min(1.0, i / ramp, (count - 1 - i) / ramp)
        samples.append(PEAK * envelope * value / norm)
    return samples


def alarm_samples() -> list[float]:
    silence = [0.0] * round(GAP_S * RATE)
    samples: list[float] = []
    for frequency in PULSE_HZ:
        samples += pulse(frequency) + silence
    return samples


def alarm_wav() -> bytes:
    frames = b"".join(struct.pack("<h", round(s * 32767)) for s in alarm_samples())
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)
    return buffer.getvalue()


def main() -> int:
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(alarm_wav())
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
