public enum OshiraseTestSupportPlaceholder {}
