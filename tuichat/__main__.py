"""Provides `python -m tuichat`."""

from tuichat.launch import main

raise SystemExit(main())
