// <larch-work-log>: being written
