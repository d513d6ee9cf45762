"""WMA and PBX recordings linked to calls and cases (issue 6).

`hotline recordings …` comes from `recordings.cli.add_cli`; web/lifetimes/recordings.py runs the
service and its folder watchers. Importing the package itself stays light (the matcher is pure).
"""
