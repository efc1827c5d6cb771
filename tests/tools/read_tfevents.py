#!/usr/bin/env python3
"""Reads TensorBoard event files with TensorBoard's own code and prints what
it found, so that tests can check the files that ganc writes.

    python3 tests/tools/read_tfevents.py FILE    # the events of one file
    python3 tests/tools/read_tfevents.py --run DIR   # a run as TensorBoard shows it

Output, one line per item, tab-separated:
    file_version <TAB> brain.Event:2       (FILE only)
    session_start <TAB> step               (FILE only)
    scalar <TAB> tag <TAB> step <TAB> value (9 significant digits)

FILE is read with EventFileLoader, which checks the TFRecord framing (length
and payload CRC32C); a record with a bad CRC ends the read, so its lines and
all later ones are missing. DIR is read as `tensorboard --load_fast=false`
reads a run: every event file in it, in name order, through the plugin
EventAccumulator, which drops the points that a resumed run's SessionLog
START supersedes. Needs `pip install tensorboard` (no TensorFlow)."""

import logging
import sys

from tensorboard.backend.event_processing import plugin_event_accumulator
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.compat.proto import event_pb2
from tensorboard.util import tensor_util


def print_file(path):
    for event in EventFileLoader(path).Load():
        if event.HasField("file_version"):
            print("file_version\t%s" % event.file_version)
        if event.HasField("session_log") and event.session_log.status == event_pb2.SessionLog.START:
            print("session_start\t%d" % event.step)
        for value in event.summary.value:
            # EventFileLoader migrates simple_value into a scalar tensor.
            if value.HasField("simple_value"):
                number = value.simple_value
            else:
                number = value.tensor.float_val[0]
            print("scalar\t%s\t%d\t%.9g" % (value.tag, event.step, number))


def print_run(directory):
    # Size guidance 0 keeps every point instead of a random sample.
    accumulator = plugin_event_accumulator.EventAccumulator(
        directory, size_guidance={plugin_event_accumulator.TENSORS: 0}
    )
    accumulator.Reload()
    for tag in sorted(accumulator.Tags()["tensors"]):
        for event in accumulator.Tensors(tag):
            number = tensor_util.make_ndarray(event.tensor_proto).item()
            print("scalar\t%s\t%d\t%.9g" % (tag, event.step, number))


if __name__ == "__main__":
    # The purge is expected; TensorBoard's warning about it is noise here.
    logging.getLogger("tensorboard").setLevel(logging.ERROR)
    if len(sys.argv) == 2:
        print_file(sys.argv[1])
    elif len(sys.argv) == 3 and sys.argv[1] == "--run":
        print_run(sys.argv[2])
    else:
        sys.exit("usage: read_tfevents.py EVENT_FILE | --run DIR")
