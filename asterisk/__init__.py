"""Asterisk side: config rendering, private instance runner, AMI and FastAGI
adapters, sipp peers."""
