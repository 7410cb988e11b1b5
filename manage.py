#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propertydesk.settings")
    from django.core.management import execute_from_command_line

    from propertydesk.audit import command_context

    # A command's writes (a shell, a seed, a job run by hand) name it in the audit history.
    with command_context(sys.argv):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
