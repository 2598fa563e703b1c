"""Suqiu detector: jieba keyword rules that spot complaints in group chat."""
