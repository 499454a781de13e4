"""案件查办 case handling, 行政处罚 penalty, 问题销号 rectification close-out and 线索 clues."""
