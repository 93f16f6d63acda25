public enum OshiraseAPIPlaceholder {}
